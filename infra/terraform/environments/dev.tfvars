# dev: Slack to a dev channel, GitHub dry-run (ledger) until proven; see docs/runbook.md, phase 1.
project_id  = "REPLACE-ME-finding-relay-dev"
region      = "us-central1"
environment = "dev"
image       = "REPLACE-ME-REGION-docker.pkg.dev/PROJECT/finding-relay/finding-relay@sha256:DIGEST"

slack_notifications_enabled   = false # runbook 1.3 turns it on once the dev webhook secret exists
github_issue_creation_enabled = true  # dry-run only: DRY_RUN stays true in dev until runbook 1.5
dry_run                       = true
github_repo_allowlist         = [] # e.g. ["acme/relay-sandbox"]

# Secret Manager versions to mount (null = not mounted); add a version first, then set its number.
slack_webhook_secret_version = null
github_token_secret_version  = null

min_instances = 1
max_instances = 1
log_level     = "debug"
