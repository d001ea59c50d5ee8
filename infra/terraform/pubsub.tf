# The same topology `finding-relay setup` creates against the emulator (src/pubsub/provision.ts).

resource "google_pubsub_topic" "findings" {
  name       = var.findings_topic
  labels     = local.labels
  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "dead_letter" {
  name   = var.dead_letter_topic
  labels = local.labels
  # Kept on the topic too, so a new inspect subscription can be seeked back over recent dead letters.
  message_retention_duration = var.dead_letter_retention
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_subscription" "worker" {
  name                       = var.findings_subscription
  topic                      = google_pubsub_topic.findings.id
  labels                     = local.labels
  ack_deadline_seconds       = var.ack_deadline_seconds
  message_retention_duration = var.message_retention

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = var.retry_minimum_backoff
    maximum_backoff = var.retry_maximum_backoff
  }

  # Never expires while idle (an idle staging worker must not lose its subscription).
  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "dead_letter_inspect" {
  name                       = var.dead_letter_subscription
  topic                      = google_pubsub_topic.dead_letter.id
  labels                     = local.labels
  ack_deadline_seconds       = 60
  message_retention_duration = var.dead_letter_retention
  retain_acked_messages      = false

  expiration_policy {
    ttl = ""
  }
}

# Dead-lettering on Google Cloud is done by the Pub/Sub service agent, which needs to publish to
# the dead-letter topic and to ack (subscribe to) the source subscription. Without these two
# bindings Pub/Sub keeps redelivering instead of dead-lettering.
resource "google_pubsub_topic_iam_member" "service_agent_dead_letter_publisher" {
  topic  = google_pubsub_topic.dead_letter.name
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "service_agent_source_subscriber" {
  subscription = google_pubsub_subscription.worker.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}
