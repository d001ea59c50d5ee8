# The two secrets. Terraform creates the containers only: the values are added out of band, so
# they never enter Terraform state or a plan:
#   printf %s "$WEBHOOK_URL" | gcloud secrets versions add finding-relay-ENV-slack-webhook-url --data-file=-
# then set slack_webhook_secret_version (and github_token_secret_version) to the version to mount.

resource "google_secret_manager_secret" "slack_webhook_url" {
  secret_id = "finding-relay-${var.environment}-slack-webhook-url"
  labels    = local.labels
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret" "github_token" {
  secret_id = "finding-relay-${var.environment}-github-token"
  labels    = local.labels
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}
