# Inputs. Per-environment values live in environments/{dev,staging,prod}.tfvars.
# The safety flags default to off: a missing line never turns a channel on.

# --- Where -----------------------------------------------------------------------------------

variable "project_id" {
  description = "Google Cloud project of this environment. Use one project per environment."
  type        = string
}

variable "region" {
  description = "Region of the Cloud Run service and job."
  type        = string
  default     = "us-central1"
}

variable "environment" {
  description = "dev, staging or prod: becomes DEPLOYMENT_ENV, which decides the safety gates."
  type        = string
  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "image" {
  description = "Container image of finding-relay (built from the Dockerfile), ideally pinned by digest."
  type        = string
}

variable "service_name" {
  description = "Name of the Cloud Run service; the check job is SERVICE-check."
  type        = string
  default     = "finding-relay"
}

variable "labels" {
  description = "Extra labels on the resources that take them."
  type        = map(string)
  default     = {}
}

# --- Pub/Sub ---------------------------------------------------------------------------------

variable "findings_topic" {
  description = "FINDINGS_TOPIC: the topic agents publish findings to."
  type        = string
  default     = "findings"
}

variable "findings_subscription" {
  description = "FINDINGS_SUBSCRIPTION: the worker's subscription."
  type        = string
  default     = "finding-relay"
}

variable "dead_letter_topic" {
  description = "DEAD_LETTER_TOPIC."
  type        = string
  default     = "findings-dead-letter"
}

variable "dead_letter_subscription" {
  description = "DEAD_LETTER_SUBSCRIPTION: what `finding-relay dlq` reads, replays and purges."
  type        = string
  default     = "findings-dead-letter-inspect"
}

variable "max_delivery_attempts" {
  description = "MAX_DELIVERY_ATTEMPTS: deliveries before Pub/Sub dead-letters a message."
  type        = number
  default     = 5
  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "Pub/Sub allows 5 to 100 delivery attempts."
  }
}

variable "ack_deadline_seconds" {
  description = "Ack deadline of the worker subscription; the client extends leases beyond it."
  type        = number
  default     = 60
}

variable "retry_minimum_backoff" {
  description = "Redelivery backoff after a nack, at least (Pub/Sub: 0s to 600s)."
  type        = string
  default     = "10s"
}

variable "retry_maximum_backoff" {
  description = "Redelivery backoff after a nack, at most (Pub/Sub: 0s to 600s)."
  type        = string
  default     = "600s"
}

variable "message_retention" {
  description = "How long the worker subscription keeps unacked findings (at most 7 days)."
  type        = string
  default     = "604800s"
}

variable "dead_letter_retention" {
  description = "How long dead letters are kept: on the inspect subscription (at most 7 days) and on the topic."
  type        = string
  default     = "604800s"
}

# --- Firestore (the worker's state) ------------------------------------------------------------

variable "firestore_database" {
  description = "Firestore database of the worker's state (STATE_URI=firestore://PROJECT/DATABASE); default finding-relay-ENV."
  type        = string
  default     = null
  validation {
    condition     = var.firestore_database == null || can(regex("^[a-z][a-z0-9-]{2,61}[a-z0-9]$", coalesce(var.firestore_database, "x")))
    error_message = "firestore_database is 4 to 63 lower-case letters, digits or '-', from a letter to a letter or digit."
  }
}

variable "firestore_location" {
  description = "Location of the Firestore database (a region or multi-region such as nam5); default the region."
  type        = string
  default     = null
}

# --- Storage ---------------------------------------------------------------------------------

variable "bucket_name" {
  description = "Bucket of the ledger and the worker's state; default PROJECT-finding-relay-ENV."
  type        = string
  default     = null
}

variable "bucket_location" {
  description = "Location of the bucket; default the region."
  type        = string
  default     = null
}

variable "storage_prefix" {
  description = "Object prefix inside the bucket: STORAGE_URI is gs://BUCKET/PREFIX."
  type        = string
  default     = "relay"
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]*$", var.storage_prefix))
    error_message = "storage_prefix is one path segment of lower-case letters, digits, '.', '_' or '-'."
  }
}

variable "ledger_retention_days" {
  description = "Dry-run ledger objects older than this are deleted. State (claims, issue index) is never expired."
  type        = number
  default     = 90
}

# --- Safety flags (all off by default) -------------------------------------------------------

variable "slack_notifications_enabled" {
  description = "SLACK_NOTIFICATIONS_ENABLED: Slack master switch."
  type        = bool
  default     = false
}

variable "slack_enable_staging" {
  description = "SLACK_ENABLE_STAGING: explicit opt-in for Slack in staging."
  type        = bool
  default     = false
}

variable "slack_enable_prod" {
  description = "SLACK_ENABLE_PROD: explicit opt-in for Slack in prod."
  type        = bool
  default     = false
}

variable "github_issue_creation_enabled" {
  description = "GITHUB_ISSUE_CREATION_ENABLED: GitHub master switch."
  type        = bool
  default     = false
}

variable "github_enable_staging" {
  description = "GITHUB_ENABLE_STAGING: explicit opt-in for real issues in staging (else dry-run)."
  type        = bool
  default     = false
}

variable "github_enable_prod" {
  description = "GITHUB_ENABLE_PROD: explicit opt-in for GitHub in prod (else disabled, dry-run included)."
  type        = bool
  default     = false
}

variable "dry_run" {
  description = "DRY_RUN: only false (with a token) writes real issues."
  type        = bool
  default     = true
}

variable "github_repo_allowlist" {
  description = "GITHUB_REPO_ALLOWLIST: owner/name or owner/* entries; empty = no repo."
  type        = list(string)
  default     = []
}

# --- Secrets: Secret Manager versions to mount (null = not mounted) --------------------------

variable "slack_webhook_secret_version" {
  description = "Version of the Slack webhook secret to mount as SLACK_WEBHOOK_URL (e.g. \"1\"); null until one exists."
  type        = string
  default     = null
}

variable "github_token_secret_version" {
  description = "Version of the GitHub token secret to mount as GITHUB_TOKEN (e.g. \"1\"); null until one exists."
  type        = string
  default     = null
}

# --- Routes (ROUTES_FILE, docs/contract.md §7; docs/runbook.md, "Routes") ------------------------

variable "routes_secret_version" {
  description = "Version of the routes secret (finding-relay-ENV-routes: the routes file, YAML or JSON) to mount as ROUTES_FILE (e.g. \"1\"); null = no ROUTES_FILE, every finding follows the default."
  type        = string
  default     = null
}

variable "slack_route_webhooks" {
  description = "Routed Slack webhooks: NAME (as the routes file writes it) => version of the secret finding-relay-ENV-slack-webhook-url-<name> to mount as SLACK_WEBHOOK_URL_<NAME> (e.g. \"1\"), or null to create the secret without mounting it yet. Names and versions only: a URL never goes through Terraform."
  type        = map(string)
  default     = {}
  validation {
    condition     = alltrue([for name in keys(var.slack_route_webhooks) : can(regex("^[A-Z][A-Z0-9_]{0,62}$", name))])
    error_message = "slack_route_webhooks keys are webhook names as in the routes file: an upper-case letter, then up to 62 upper-case letters, digits or '_'."
  }
  validation {
    condition     = alltrue([for version in values(var.slack_route_webhooks) : version == null || can(regex("^([0-9]+|latest)$", version))])
    error_message = "slack_route_webhooks values are Secret Manager version numbers (or \"latest\") or null, never a webhook URL: add the URL with gcloud secrets versions add."
  }
}

# --- Tuning ----------------------------------------------------------------------------------

variable "slack_env_label" {
  description = "SLACK_ENV_LABEL; null = the environment's default (DEV, STAGING, PROD)."
  type        = string
  default     = null
}

variable "github_api_url" {
  description = "GITHUB_API_URL: github.com or a GitHub Enterprise Server API."
  type        = string
  default     = "https://api.github.com"
}

variable "slack_min_severity" {
  description = "SLACK_MIN_SEVERITY."
  type        = string
  default     = "info"
}

variable "github_min_severity" {
  description = "GITHUB_MIN_SEVERITY."
  type        = string
  default     = "info"
}

variable "slack_batch_window_ms" {
  description = "SLACK_BATCH_WINDOW_MS."
  type        = number
  default     = 5000
}

variable "slack_batch_max" {
  description = "SLACK_BATCH_MAX."
  type        = number
  default     = 20
}

variable "dedupe_window_s" {
  description = "DEDUPE_WINDOW_S."
  type        = number
  default     = 86400
}

variable "log_level" {
  description = "LOG_LEVEL."
  type        = string
  default     = "info"
}

# --- Cloud Run -------------------------------------------------------------------------------

variable "min_instances" {
  description = "Instances kept running. The worker pulls, so at least one must always run."
  type        = number
  default     = 1
  validation {
    condition     = var.min_instances >= 1
    error_message = "The worker pulls from Pub/Sub: with no instance nothing is consumed."
  }
}

variable "max_instances" {
  description = "Upper bound; workers share the subscription and the state store keeps side effects single."
  type        = number
  default     = 2
}

variable "cpu" {
  description = "CPU limit per instance."
  type        = string
  default     = "1"
}

variable "memory" {
  description = "Memory limit per instance."
  type        = string
  default     = "512Mi"
}

variable "operators" {
  description = "Members (user:…, group:…) who run dlq, ledger show, the check job and read the status page."
  type        = list(string)
  default     = []
}
