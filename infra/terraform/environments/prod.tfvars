# prod: locked. Every flag below is off on purpose; phase 3a (Slack only) and 3b (GitHub real)
# of docs/runbook.md change them one at a time, each through review, with a hold point between.
project_id  = "REPLACE-ME-finding-relay-prod"
region      = "us-central1"
environment = "prod"
image       = "REPLACE-ME-REGION-docker.pkg.dev/PROJECT/finding-relay/finding-relay@sha256:DIGEST"

slack_notifications_enabled   = false
slack_enable_prod             = false
github_issue_creation_enabled = false
github_enable_prod            = false
dry_run                       = true
github_repo_allowlist         = []

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
max_instances = 3
