# The worker as a Cloud Run service. It pulls from Pub/Sub rather than serving requests, so CPU is
# always allocated (cpu_idle = false) and at least one instance always runs. Its HTTP port serves
# /healthz, /readyz, /metrics and the status page to IAM-authenticated callers only (no allUsers).
#
# Configuration is read once at start: a changed variable acts when Cloud Run rolls out the new
# revision it creates (see docs/runbook.md, "Emergency off switch").

resource "google_cloud_run_v2_service" "worker" {
  name                = var.service_name
  location            = var.region
  labels              = local.labels
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = var.environment == "prod"

  template {
    service_account = google_service_account.worker.email
    labels          = local.labels

    scaling {
      min_instance_count = var.min_instances
      max_instance_count = var.max_instances
    }

    # The routes file (ROUTES_FILE), from its secret at a pinned version; none without one.
    dynamic "volumes" {
      for_each = local.routes_versions
      content {
        name = "routes"
        secret {
          secret = google_secret_manager_secret.routes.secret_id
          items {
            version = volumes.value
            path    = "routes.yaml"
          }
        }
      }
    }

    containers {
      name  = "worker" # the collector's depends_on names it
      image = var.image
      args  = ["worker"]

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = var.cpu
          memory = var.memory
        }
        cpu_idle          = false
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = local.worker_env_set
        content {
          name  = env.key
          value = env.value
        }
      }

      # Secrets: only ever from Secret Manager, never a plain value.
      dynamic "env" {
        for_each = local.slack_webhook_versions
        content {
          name = "SLACK_WEBHOOK_URL"
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.slack_webhook_url.secret_id
              version = env.value
            }
          }
        }
      }

      dynamic "env" {
        for_each = local.github_token_versions
        content {
          name = "GITHUB_TOKEN"
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.github_token.secret_id
              version = env.value
            }
          }
        }
      }

      # Routed webhooks (ROUTES_FILE): SLACK_WEBHOOK_URL_<NAME>, each from its own secret.
      dynamic "env" {
        for_each = local.slack_route_webhook_versions
        content {
          name = "SLACK_WEBHOOK_URL_${env.key}"
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.slack_route_webhook_url[env.key].secret_id
              version = env.value
            }
          }
        }
      }

      dynamic "volume_mounts" {
        for_each = local.routes_versions
        content {
          name       = "routes"
          mount_path = local.routes_mount_dir
        }
      }

      startup_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds    = 2
        timeout_seconds   = 1
        failure_threshold = 30
      }

      liveness_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds    = 30
        timeout_seconds   = 5
        failure_threshold = 3
      }
    }

    # The Managed Service for Prometheus sidecar (README.md, "Monitoring"). With no RunMonitoring
    # configuration mounted (/etc/rungmp/config.yaml) it uses its default: it scrapes
    # 0.0.0.0:8080/metrics every 30 s, which is the worker's port and path, and writes the series
    # labelled namespace = this service's name. It starts once the worker's startup probe passes
    # and runs on the same always-allocated CPU (cpu_idle = false), which it needs to scrape. No
    # ports (only the worker takes requests), no environment, no secret.
    containers {
      name       = "collector"
      image      = var.managed_prometheus_sidecar_image
      depends_on = ["worker"]
    }
  }

  # The revision must be able to read its secrets, subscription and bucket when it starts, and
  # its collector to write metrics.
  depends_on = [
    google_secret_manager_secret_iam_member.worker_slack_webhook,
    google_secret_manager_secret_iam_member.worker_github_token,
    google_secret_manager_secret_iam_member.worker_routes,
    google_secret_manager_secret_iam_member.worker_slack_route_webhook,
    google_pubsub_subscription_iam_member.worker_subscriber,
    google_pubsub_topic_iam_member.worker_dead_letter_publisher,
    google_storage_bucket_iam_member.worker_objects,
    google_project_iam_member.worker_metric_writer,
  ]
}

# `finding-relay check --strict` with exactly the service's configuration and secrets, on demand:
#   gcloud run jobs execute finding-relay-check --region REGION --wait
# It fails (exit 1) when this environment is MISCONFIGURED. It consumes nothing from Pub/Sub.
resource "google_cloud_run_v2_job" "check" {
  name                = "${var.service_name}-check"
  location            = var.region
  labels              = local.labels
  deletion_protection = false

  template {
    task_count = 1

    template {
      service_account = google_service_account.worker.email
      max_retries     = 0
      timeout         = "120s"

      dynamic "volumes" {
        for_each = local.routes_versions
        content {
          name = "routes"
          secret {
            secret = google_secret_manager_secret.routes.secret_id
            items {
              version = volumes.value
              path    = "routes.yaml"
            }
          }
        }
      }

      containers {
        image = var.image
        args  = ["check", "--strict"]

        dynamic "env" {
          for_each = local.worker_env_set
          content {
            name  = env.key
            value = env.value
          }
        }

        dynamic "env" {
          for_each = local.slack_webhook_versions
          content {
            name = "SLACK_WEBHOOK_URL"
            value_source {
              secret_key_ref {
                secret  = google_secret_manager_secret.slack_webhook_url.secret_id
                version = env.value
              }
            }
          }
        }

        dynamic "env" {
          for_each = local.github_token_versions
          content {
            name = "GITHUB_TOKEN"
            value_source {
              secret_key_ref {
                secret  = google_secret_manager_secret.github_token.secret_id
                version = env.value
              }
            }
          }
        }

        dynamic "env" {
          for_each = local.slack_route_webhook_versions
          content {
            name = "SLACK_WEBHOOK_URL_${env.key}"
            value_source {
              secret_key_ref {
                secret  = google_secret_manager_secret.slack_route_webhook_url[env.key].secret_id
                version = env.value
              }
            }
          }
        }

        dynamic "volume_mounts" {
          for_each = local.routes_versions
          content {
            name       = "routes"
            mount_path = local.routes_mount_dir
          }
        }
      }
    }
  }

  depends_on = [
    google_secret_manager_secret_iam_member.worker_slack_webhook,
    google_secret_manager_secret_iam_member.worker_github_token,
    google_secret_manager_secret_iam_member.worker_routes,
    google_secret_manager_secret_iam_member.worker_slack_route_webhook,
  ]
}
