output "service_name" {
  description = "Cloud Run service running `finding-relay worker`."
  value       = google_cloud_run_v2_service.worker.name
}

output "service_uri" {
  description = "Status page and health endpoints (IAM-authenticated; use `gcloud run services proxy`)."
  value       = google_cloud_run_v2_service.worker.uri
}

output "check_job" {
  description = "Cloud Run job running `finding-relay check --strict` with the service's configuration."
  value       = google_cloud_run_v2_job.check.name
}

output "worker_service_account" {
  value = google_service_account.worker.email
}

output "storage_uri" {
  description = "STORAGE_URI of the worker: ledger under ledger/ENV/, state under state/ENV/."
  value       = local.worker_env.STORAGE_URI
}

output "secrets" {
  description = "Secret Manager secrets to add versions to (values never go through Terraform)."
  value = {
    slack_webhook_url = google_secret_manager_secret.slack_webhook_url.secret_id
    github_token      = google_secret_manager_secret.github_token.secret_id
    routes            = google_secret_manager_secret.routes.secret_id
    slack_route_webhook_urls = {
      for name, secret in google_secret_manager_secret.slack_route_webhook_url : name => secret.secret_id
    }
  }
}

output "pubsub" {
  value = {
    findings_topic           = google_pubsub_topic.findings.name
    findings_subscription    = google_pubsub_subscription.worker.name
    dead_letter_topic        = google_pubsub_topic.dead_letter.name
    dead_letter_subscription = google_pubsub_subscription.dead_letter_inspect.name
  }
}
