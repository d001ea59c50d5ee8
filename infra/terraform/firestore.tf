# The worker's shared state (STATE_URI=firestore://PROJECT/DATABASE): a Firestore database in
# native mode, the TTL policies that delete expired documents by themselves, the composite
# indexes of the backend's queries, and the worker's access to this database only.
# Collection and field names are the backend's (src/state/firestore-documents.ts).

resource "google_firestore_database" "state" {
  project                           = var.project_id
  name                              = local.firestore_database
  location_id                       = coalesce(var.firestore_location, var.region)
  type                              = "FIRESTORE_NATIVE"
  concurrency_mode                  = "OPTIMISTIC"
  delete_protection_state           = var.environment == "prod" ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy                   = var.environment == "prod" ? "ABANDON" : "DELETE"
  point_in_time_recovery_enablement = var.environment == "prod" ? "POINT_IN_TIME_RECOVERY_ENABLED" : "POINT_IN_TIME_RECOVERY_DISABLED"
  depends_on                        = [google_project_service.apis]
}

locals {
  # Every document of these collections that may expire carries `expireAt` (queued deliveries never do).
  firestore_expiring_collections = ["relay_deliveries", "relay_windows", "relay_leases", "relay_kv"]
}

# TTL policies: expired documents are deleted (typically within a day of expireAt), without the
# worker's housekeeping having to scan for them.
resource "google_firestore_field" "expire_at_ttl" {
  for_each   = toset(local.firestore_expiring_collections)
  project    = var.project_id
  database   = google_firestore_database.state.name
  collection = each.value
  field      = "expireAt"
  ttl_config {}
  # A timestamp field used only by TTL needs no single-field index.
  index_config {}
}

# takeDue: the queued entries of one target that are due, highest priority, then oldest first.
resource "google_firestore_index" "deliveries_due" {
  project    = var.project_id
  database   = google_firestore_database.state.name
  collection = "relay_deliveries"
  fields {
    field_path = "target"
    order      = "ASCENDING"
  }
  fields {
    field_path = "state"
    order      = "ASCENDING"
  }
  fields {
    field_path = "priority"
    order      = "DESCENDING"
  }
  fields {
    field_path = "enqueuedAt"
    order      = "ASCENDING"
  }
  fields {
    field_path = "seq"
    order      = "ASCENDING"
  }
  fields {
    field_path = "dueAt"
    order      = "ASCENDING"
  }
}

# outboxStats: the oldest queued entry of a channel.
resource "google_firestore_index" "deliveries_oldest" {
  project    = var.project_id
  database   = google_firestore_database.state.name
  collection = "relay_deliveries"
  fields {
    field_path = "channel"
    order      = "ASCENDING"
  }
  fields {
    field_path = "state"
    order      = "ASCENDING"
  }
  fields {
    field_path = "enqueuedAt"
    order      = "ASCENDING"
  }
}

# The worker reads and writes documents of this database only: an IAM condition on its name.
resource "google_project_iam_member" "worker_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = local.worker_member
  condition {
    title       = "finding-relay-state-database-only"
    description = "Only the ${google_firestore_database.state.name} Firestore database"
    expression  = "resource.name == \"projects/${var.project_id}/databases/${google_firestore_database.state.name}\""
  }
}
