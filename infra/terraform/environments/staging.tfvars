# staging: explicit opt-ins only; GitHub stays dry-run unless github_enable_staging is set.
# See docs/runbook.md, phase 2.
project_id  = "REPLACE-ME-finding-relay-staging"
region      = "us-central1"
environment = "staging"
image       = "REPLACE-ME-REGION-docker.pkg.dev/PROJECT/finding-relay/finding-relay@sha256:DIGEST"

slack_notifications_enabled   = false
slack_enable_staging          = false
github_issue_creation_enabled = false
github_enable_staging         = false
dry_run                       = true
github_repo_allowlist         = []

slack_webhook_secret_version = null
github_token_secret_version  = null

min_instances = 1
max_instances = 2
