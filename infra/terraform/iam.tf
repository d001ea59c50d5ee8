# The worker's identity, with least privilege: each role on the one resource that needs it. The
# worker pulls its subscription, publishes refused messages to the dead-letter topic, reads and
# writes objects in its bucket, reads its secrets (the Slack webhook, the GitHub token, the routes
# file and each routed webhook) and, through its collector sidecar, writes its metrics. It never
# reads the inspect subscription (operators do, with `finding-relay dlq`). Two grants are on the
# project, because their roles have no narrower resource: Firestore (firestore.tf, conditioned on
# the state database) and metric writing (below).

resource "google_service_account" "worker" {
  account_id   = "finding-relay-${var.environment}"
  display_name = "finding-relay worker (${var.environment})"
  depends_on   = [google_project_service.apis]
}

locals {
  worker_member = "serviceAccount:${google_service_account.worker.email}"
}

resource "google_pubsub_subscription_iam_member" "worker_subscriber" {
  subscription = google_pubsub_subscription.worker.name
  role         = "roles/pubsub.subscriber"
  member       = local.worker_member
}

resource "google_pubsub_topic_iam_member" "worker_dead_letter_publisher" {
  topic  = google_pubsub_topic.dead_letter.name
  role   = "roles/pubsub.publisher"
  member = local.worker_member
}

resource "google_storage_bucket_iam_member" "worker_objects" {
  bucket = google_storage_bucket.state.name
  role   = "roles/storage.objectAdmin"
  member = local.worker_member
}

resource "google_secret_manager_secret_iam_member" "worker_slack_webhook" {
  secret_id = google_secret_manager_secret.slack_webhook_url.id
  role      = "roles/secretmanager.secretAccessor"
  member    = local.worker_member
}

resource "google_secret_manager_secret_iam_member" "worker_github_token" {
  secret_id = google_secret_manager_secret.github_token.id
  role      = "roles/secretmanager.secretAccessor"
  member    = local.worker_member
}

resource "google_secret_manager_secret_iam_member" "worker_routes" {
  secret_id = google_secret_manager_secret.routes.id
  role      = "roles/secretmanager.secretAccessor"
  member    = local.worker_member
}

# One grant per routed webhook secret, each on that secret only.
resource "google_secret_manager_secret_iam_member" "worker_slack_route_webhook" {
  for_each  = google_secret_manager_secret.slack_route_webhook_url
  secret_id = each.value.id
  role      = "roles/secretmanager.secretAccessor"
  member    = local.worker_member
}

# The collector sidecar in the worker's Cloud Run instances writes the scraped /metrics to Cloud
# Monitoring as the worker (README.md, "Monitoring"). roles/monitoring.metricWriter is granted on
# the project only (there is no narrower resource): it creates time series and metric descriptors
# and reads no metric data.
resource "google_project_iam_member" "worker_metric_writer" {
  project = var.project_id
  role    = "roles/monitoring.metricWriter"
  member  = local.worker_member
}

# Operators: dead-letter triage (`dlq stats|list|purge` read the inspect subscription, `dlq replay`
# publishes to the findings topic), `ledger show` (reads the bucket), the check job and the status
# page (through `gcloud run services proxy`). No secret access.

resource "google_pubsub_subscription_iam_member" "operators_dead_letter" {
  for_each     = toset(var.operators)
  subscription = google_pubsub_subscription.dead_letter_inspect.name
  role         = "roles/pubsub.subscriber"
  member       = each.value
}

resource "google_pubsub_subscription_iam_member" "operators_dead_letter_viewer" {
  for_each     = toset(var.operators)
  subscription = google_pubsub_subscription.dead_letter_inspect.name
  role         = "roles/pubsub.viewer"
  member       = each.value
}

resource "google_pubsub_topic_iam_member" "operators_replay" {
  for_each = toset(var.operators)
  topic    = google_pubsub_topic.findings.name
  role     = "roles/pubsub.publisher"
  member   = each.value
}

resource "google_storage_bucket_iam_member" "operators_ledger" {
  for_each = toset(var.operators)
  bucket   = google_storage_bucket.state.name
  role     = "roles/storage.objectViewer"
  member   = each.value
}

resource "google_cloud_run_v2_service_iam_member" "operators_status" {
  for_each = toset(var.operators)
  name     = google_cloud_run_v2_service.worker.name
  location = var.region
  role     = "roles/run.invoker"
  member   = each.value
}

resource "google_cloud_run_v2_job_iam_member" "operators_check" {
  for_each = toset(var.operators)
  name     = google_cloud_run_v2_job.check.name
  location = var.region
  role     = "roles/run.invoker"
  member   = each.value
}
