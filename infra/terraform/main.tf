# finding-relay on Google Cloud: Pub/Sub (pubsub.tf), the ledger bucket (storage.tf), the state
# database (firestore.tf),
# Secret Manager (secrets.tf), the worker's identity (iam.tf) and Cloud Run (cloud_run.tf).

locals {
  labels = merge({ app = "finding-relay", environment = var.environment }, var.labels)

  bucket_name = coalesce(var.bucket_name, "${var.project_id}-finding-relay-${var.environment}")

  firestore_database = coalesce(var.firestore_database, "finding-relay-${var.environment}")

  # The ledger lives at ledger/ENV/… under STORAGE_URI; state at state/ENV/… (never expired).
  ledger_prefix = "${var.storage_prefix}/ledger/"

  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  # Every plain (non-secret) variable the worker reads. Secrets are mounted from Secret Manager in
  # cloud_run.tf and never appear here. PORT is set by Cloud Run itself.
  worker_env = {
    DEPLOYMENT_ENV                = var.environment
    HTTP_HOST                     = "0.0.0.0"
    LOG_LEVEL                     = var.log_level
    GOOGLE_CLOUD_PROJECT          = var.project_id
    FINDINGS_TOPIC                = google_pubsub_topic.findings.name
    FINDINGS_SUBSCRIPTION         = google_pubsub_subscription.worker.name
    DEAD_LETTER_TOPIC             = google_pubsub_topic.dead_letter.name
    DEAD_LETTER_SUBSCRIPTION      = google_pubsub_subscription.dead_letter_inspect.name
    MAX_DELIVERY_ATTEMPTS         = tostring(var.max_delivery_attempts)
    STORAGE_URI                   = "gs://${google_storage_bucket.state.name}/${var.storage_prefix}"
    STATE_URI                     = "firestore://${var.project_id}/${google_firestore_database.state.name}"
    SLACK_NOTIFICATIONS_ENABLED   = tostring(var.slack_notifications_enabled)
    SLACK_ENABLE_STAGING          = tostring(var.slack_enable_staging)
    SLACK_ENABLE_PROD             = tostring(var.slack_enable_prod)
    SLACK_ENV_LABEL               = var.slack_env_label
    SLACK_MIN_SEVERITY            = var.slack_min_severity
    SLACK_BATCH_WINDOW_MS         = tostring(var.slack_batch_window_ms)
    SLACK_BATCH_MAX               = tostring(var.slack_batch_max)
    GITHUB_ISSUE_CREATION_ENABLED = tostring(var.github_issue_creation_enabled)
    GITHUB_ENABLE_STAGING         = tostring(var.github_enable_staging)
    GITHUB_ENABLE_PROD            = tostring(var.github_enable_prod)
    DRY_RUN                       = tostring(var.dry_run)
    GITHUB_REPO_ALLOWLIST         = join(",", var.github_repo_allowlist)
    GITHUB_API_URL                = var.github_api_url
    GITHUB_MIN_SEVERITY           = var.github_min_severity
    DEDUPE_WINDOW_S               = tostring(var.dedupe_window_s)
    ROUTES_FILE                   = local.routes_file
  }

  # Unset optional values are left out rather than passed as empty strings.
  worker_env_set = { for name, value in local.worker_env : name => value if value != null }

  # Secret Manager versions to mount: an empty list mounts nothing (see secrets.tf).
  slack_webhook_versions = var.slack_webhook_secret_version == null ? [] : [var.slack_webhook_secret_version]
  github_token_versions  = var.github_token_secret_version == null ? [] : [var.github_token_secret_version]

  # ROUTES_FILE: the routes secret mounted as a file (cloud_run.tf); unset without a version.
  routes_mount_dir = "/etc/finding-relay/routes"
  routes_versions  = var.routes_secret_version == null ? [] : [var.routes_secret_version]
  routes_file      = var.routes_secret_version == null ? null : "${local.routes_mount_dir}/routes.yaml"

  # Routed webhooks with a version to mount as SLACK_WEBHOOK_URL_<NAME> (null: secret created only).
  slack_route_webhook_versions = { for name, version in var.slack_route_webhooks : name => version if version != null }
}
