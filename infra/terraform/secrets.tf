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

# Routed Slack webhooks (ROUTES_FILE, docs/contract.md §7): one secret per name in
# slack_route_webhooks, finding-relay-ENV-slack-webhook-url-<name in lower case>, mounted as
# SLACK_WEBHOOK_URL_<NAME> (cloud_run.tf). Containers only, as above; the URL is added out of band:
#   printf %s "$WEBHOOK_URL" | gcloud secrets versions add finding-relay-ENV-slack-webhook-url-security --data-file=-
resource "google_secret_manager_secret" "slack_route_webhook_url" {
  for_each  = toset(keys(var.slack_route_webhooks))
  secret_id = "finding-relay-${var.environment}-slack-webhook-url-${lower(each.key)}"
  labels    = local.labels
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

# The routes file itself (ROUTES_FILE). It holds no secret (routes name their webhooks; the URLs
# are the secrets above), but Secret Manager is how Cloud Run mounts a file, and a pinned version
# gives routes the same reviewed rollout and rollback as the secrets:
#   gcloud secrets versions add finding-relay-ENV-routes --data-file=routes.yaml
# then set routes_secret_version; the worker reads it at /etc/finding-relay/routes/routes.yaml.
resource "google_secret_manager_secret" "routes" {
  secret_id = "finding-relay-${var.environment}-routes"
  labels    = local.labels
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}
