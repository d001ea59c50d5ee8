# Monitoring as code: alert policies that page someone, and a dashboard of the relay's metrics.
#
# Two sources. Pub/Sub's own metrics (pubsub.googleapis.com/subscription/…) exist without anything
# from the worker. The relay's Prometheus metrics (/metrics, src/observability/metrics.ts) reach
# Cloud Monitoring through Google Cloud Managed Service for Prometheus, scraped inside each Cloud
# Run instance by the `collector` sidecar container (cloud_run.tf; README.md, "Monitoring"):
# there they are prometheus.googleapis.com/NAME/gauge|counter|histogram, queried in PromQL by
# their plain names.
# The sidecar labels every series with the service's name as `namespace`.
#
# Notification channels are created outside this module (email, PagerDuty, Slack … hold secrets or
# personal addresses) and passed in by id. With none, the policies still exist and open incidents
# in the console; nobody is notified.

resource "google_project_service" "monitoring" {
  service            = "monitoring.googleapis.com"
  disable_on_destroy = false
}

locals {
  # PromQL selector of this service's series (the sidecar's `namespace` is the service name).
  relay_series = "namespace=\"${var.service_name}\""

  monitoring_docs = "docs/runbook.md in the finding-relay repository"
}

# (a) Dead letters are waiting: something could not be delivered and needs a human.
resource "google_monitoring_alert_policy" "dead_letter_backlog" {
  display_name          = "finding-relay ${var.environment}: dead letters waiting"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "Undelivered messages on ${google_pubsub_subscription.dead_letter_inspect.name} > ${var.dead_letter_backlog_threshold}"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"${google_pubsub_subscription.dead_letter_inspect.name}\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.dead_letter_backlog_threshold
      duration        = var.dead_letter_backlog_duration
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      **Findings of ${var.environment} are on the dead-letter topic** (subscription `${google_pubsub_subscription.dead_letter_inspect.name}`, project `${var.project_id}`): each could not be delivered and waits for an operator. Pub/Sub deletes them after ${var.dead_letter_retention}.

      1. Count them by reason and agent: `GOOGLE_CLOUD_PROJECT=${var.project_id} npx finding-relay dlq stats`
      2. Follow docs/dead-letter-triage.md (stats → list → fix the cause → replay or purge) and, for many of one reason, "R4: a flood of dead letters" in ${local.monitoring_docs}; "Alerts" there says what each alert means.
      3. The incident closes once the subscription is empty (`finding-relay dlq replay` or `dlq purge`).
    EOT
  }

  depends_on = [google_project_service.monitoring]
}

# (b) The worker is not keeping up with (or not acking) its subscription.
resource "google_monitoring_alert_policy" "findings_oldest_unacked" {
  display_name          = "finding-relay ${var.environment}: findings not acked"
  combiner              = "OR"
  severity              = "CRITICAL"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "Oldest unacked message on ${google_pubsub_subscription.worker.name} older than ${var.findings_oldest_unacked_threshold_s} s"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"${google_pubsub_subscription.worker.name}\" AND metric.type = \"pubsub.googleapis.com/subscription/oldest_unacked_message_age\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.findings_oldest_unacked_threshold_s
      duration        = var.findings_oldest_unacked_duration
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      **Findings of ${var.environment} wait unacked on `${google_pubsub_subscription.worker.name}`** for longer than ${var.findings_oldest_unacked_threshold_s} s. The worker acks as soon as a finding is queued in its state store, so this means no worker is pulling, intake is failing, the state store is unavailable, or the outbox is full (`OUTBOX_MAX_ITEMS`). Each redelivery costs a delivery attempt: after `MAX_DELIVERY_ATTEMPTS` Pub/Sub dead-letters the finding.

      1. Is the service running and ready? Its logs and `/readyz` (see "The checks used at every step" in ${local.monitoring_docs}); `finding-relay check` from the check job.
      2. Look for `state store unavailable` and `outbox full` in the worker's logs; after a release, "R3: a bad release" in ${local.monitoring_docs}.
      3. Afterwards `GOOGLE_CLOUD_PROJECT=${var.project_id} npx finding-relay dlq stats` for what was dead-lettered meanwhile (`max-delivery-attempts`), and replay it. "Alerts" in ${local.monitoring_docs}.
    EOT
  }

  depends_on = [google_project_service.monitoring]
}

# (c) The outbox is not draining: a channel (Slack or GitHub) is failing or far behind.
resource "google_monitoring_alert_policy" "outbox_oldest_age" {
  display_name          = "finding-relay ${var.environment}: outbox not draining"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "Oldest outbox entry older than ${var.outbox_oldest_age_threshold_s} s (per channel)"
    condition_prometheus_query_language {
      # Every instance reports the same fleet-wide outbox (it reads the shared state): max, per channel.
      query               = "max by (channel) (finding_relay_outbox_oldest_age_seconds{${local.relay_series}}) > ${var.outbox_oldest_age_threshold_s}"
      duration            = var.outbox_oldest_age_duration
      evaluation_interval = "60s"
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      **The ${var.environment} outbox holds an entry older than ${var.outbox_oldest_age_threshold_s} s** (the `channel` label says Slack or GitHub). Findings are acked and safe in the state store, but not delivered: the channel's dispatcher is failing, rate-limited or has no lease holder.

      1. The status page and `/metrics` (`finding_relay_outbox_items`, `finding_relay_slack_messages_total`, `finding_relay_github_calls_total`, `finding_relay_github_rate_limit_remaining`) show which channel and why; the worker's logs name each failed request.
      2. GitHub 401/403 (a rejected token) waits in the outbox until the token is fixed: rotate it (the last point of "Routine" in ${local.monitoring_docs}). Slack 5xx or 429: Slack's side, it drains by itself.
      3. Noisy or wrong while you look: the "Emergency off switch" in ${local.monitoring_docs}. "Alerts" there says what each alert means; `GOOGLE_CLOUD_PROJECT=${var.project_id} npx finding-relay dlq stats` shows what was dead-lettered as permanent.
    EOT
  }

  depends_on = [google_project_service.monitoring]
}

# (d) The relay's metrics stopped arriving: the outbox alert above would be blind.
resource "google_monitoring_alert_policy" "relay_metrics_absent" {
  display_name          = "finding-relay ${var.environment}: no relay metrics"
  combiner              = "OR"
  severity              = "WARNING"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "finding_relay_info absent for ${var.relay_metrics_absent_for}"
    condition_prometheus_query_language {
      query               = "absent_over_time(finding_relay_info{${local.relay_series}}[${var.relay_metrics_absent_for}])"
      duration            = "0s"
      evaluation_interval = "60s"
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      **No metric of finding-relay (${var.environment}) reached Cloud Monitoring for ${var.relay_metrics_absent_for}.** Either no instance of `${var.service_name}` runs, or its Managed Service for Prometheus sidecar does not scrape `/metrics` (see "Monitoring" in infra/terraform/README.md). Until it is back, the outbox alert cannot fire.

      Check that the service runs and is ready ("The checks used at every step" in ${local.monitoring_docs}), and that its revision has the `collector` container (the Managed Service for Prometheus sidecar). "Alerts" there says what each alert means.
    EOT
  }

  depends_on = [google_project_service.monitoring]
}

resource "google_monitoring_dashboard" "relay" {
  dashboard_json = templatefile("${path.module}/monitoring/dashboard.json.tftpl", {
    environment              = var.environment
    service_name             = var.service_name
    findings_subscription    = google_pubsub_subscription.worker.name
    dead_letter_subscription = google_pubsub_subscription.dead_letter_inspect.name
  })

  depends_on = [google_project_service.monitoring]
}

# --- variables of this file ------------------------------------------------------------------

variable "notification_channels" {
  description = "Cloud Monitoring notification channels the alert policies notify, by id (projects/PROJECT/notificationChannels/ID). Empty: the policies exist and open incidents, nobody is notified."
  type        = list(string)
  default     = []
}

variable "dead_letter_backlog_threshold" {
  description = "Alert when the dead-letter inspect subscription holds more undelivered messages than this."
  type        = number
  default     = 0
}

variable "dead_letter_backlog_duration" {
  description = "…for this long (a whole number of minutes, in seconds: \"300s\")."
  type        = string
  default     = "300s"
}

variable "findings_oldest_unacked_threshold_s" {
  description = "Alert when the oldest unacked message of the worker subscription is older than this many seconds. The worker acks within seconds of receiving a finding."
  type        = number
  default     = 600
}

variable "findings_oldest_unacked_duration" {
  description = "…for this long (a whole number of minutes, in seconds)."
  type        = string
  default     = "300s"
}

variable "outbox_oldest_age_threshold_s" {
  description = "Alert when a channel's oldest outbox entry is older than this many seconds (finding_relay_outbox_oldest_age_seconds)."
  type        = number
  default     = 1800
}

variable "outbox_oldest_age_duration" {
  description = "…for this long (seconds, \"600s\")."
  type        = string
  default     = "600s"
}

variable "managed_prometheus_sidecar_image" {
  description = "The Managed Service for Prometheus sidecar that scrapes the worker's /metrics inside each Cloud Run instance (README.md, \"Monitoring\"). Pin a release, or better its digest."
  type        = string
  default     = "us-docker.pkg.dev/cloud-ops-agents-artifacts/cloud-run-gmp-sidecar/cloud-run-gmp-sidecar:1.9.2"
}

variable "relay_metrics_absent_for" {
  description = "Warn when no finding_relay_info sample arrived for this long (a PromQL duration: \"15m\")."
  type        = string
  default     = "15m"
}
