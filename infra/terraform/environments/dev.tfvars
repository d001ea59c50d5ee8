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

# Routes (docs/runbook.md, "Routes"): the routes file's secret version (null = no ROUTES_FILE) and
# the routed webhooks, NAME = secret version to mount (null = secret created, not mounted yet),
# e.g. { SECURITY = "1" }. Routes never open what the flags above keep closed.
routes_secret_version = null
slack_route_webhooks  = {}

# Monitoring (README.md, "Monitoring"): notification channels the alert policies notify, by id.
# [] = the policies open incidents in the console and nobody is notified. Create a channel in the
# console (Monitoring > Alerting > Edit notification channels), then list its id, e.g.
# ["projects/PROJECT/notificationChannels/1234567890"].
notification_channels = []

min_instances = 1
max_instances = 1
log_level     = "debug"
