# The dry-run ledger and the worker's shared state (claims, dedupe window, issue index).

resource "google_storage_bucket" "state" {
  name                        = local.bucket_name
  location                    = coalesce(var.bucket_location, var.region)
  labels                      = local.labels
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  # Old ledger records only. Claims and the issue index must never expire: the index is what
  # keeps one open issue per fingerprint.
  lifecycle_rule {
    condition {
      age            = var.ledger_retention_days
      matches_prefix = [local.ledger_prefix]
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}
