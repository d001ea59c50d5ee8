import { DEFAULT_SCAN_OPTIONS } from '../dlq/scan.js';

/**
 * The full help of each command (`finding-relay <command> --help`). Kept apart from the commands'
 * modules so that printing help loads none of the clients a command uses.
 */

export const workerUsage = `Usage: finding-relay worker
  Runs the relay: pulls findings from FINDINGS_SUBSCRIPTION, routes each to Slack and GitHub as
  DEPLOYMENT_ENV and the safety matrix allow, and serves GET /healthz, /readyz, /metrics, the status
  page and /api/outcomes/{findingId} on PORT. On SIGTERM or SIGINT it stops pulling, flushes
  batches, settles every message in hand and exits 0; a second signal exits at once.
  A configuration error stops it before it touches anything (exit 78): \`finding-relay check\` tells why.`;

export const setupUsage = `Usage: finding-relay setup
  Creates the findings topic, the worker subscription (with its dead-letter and retry policy),
  the dead-letter topic and its inspect subscription. Safe to run again: what exists is kept, and
  a worker subscription with a different dead-letter policy is updated.`;

export const publishUsage = `Usage: finding-relay publish [FILE|-]
  Validates JSON Lines findings (one per line, blank lines skipped) from FILE, or stdin for - or
  no argument, and publishes them to FINDINGS_TOPIC. If any line is invalid, every bad line is
  reported as FILE:LINE: reason: detail and nothing of the file is published (exit 1).`;

export const dlqUsage = `Usage: finding-relay dlq <stats|list|replay|purge> [options]
  Works on the dead-letter inspect subscription (DEAD_LETTER_SUBSCRIPTION). Reading never consumes:
  scanned messages (at most ${DEFAULT_SCAN_OPTIONS.maxMessages}) are held briefly and given back.

  stats [--json]                      counts by reason and by agent; oldest and newest age
  list [--limit N] [--reason R] [--agent A] [--json]
                                      one line per dead letter (default limit 100); --json adds
                                      the data (UTF-8, else base64) and the attributes
  replay (--id ID... | --reason R | --all) [--agent A] [--dry-run]
                                      republishes valid findings to FINDINGS_TOPIC, then removes
                                      them; still-invalid ones are refused and stay
  purge (--id ID... | --reason R | --older-than D | --all) [--agent A] [--dry-run] [--yes]
                                      removes dead letters for good; asks first unless --yes;
                                      D like 30m, 6h, 7d

  --id (repeatable) matches a finding id or a message id. Reasons: invalid-json, invalid-schema,
  too-large, permanent-slack, permanent-github, max-delivery-attempts (Pub/Sub's policy).
  replay and purge exit 1 when anything chosen was refused or failed, or an --id matched nothing;
  a --dry-run exits as the real run would.`;

export const ledgerUsage = `Usage: finding-relay ledger show [--since DATE] [--env dev|staging|prod] [--json]
  Shows the dry-run ledger under STORAGE_URI: the issues and comments GitHub would have received
  while GitHub was in DRY_RUN.
  --since DATE  only records at or after DATE (a date or an ISO timestamp)
  --env E       the deployment environment's ledger (default: DEPLOYMENT_ENV)
  --json        one JSON object: location, records and problems`;

export const smokeUsage = `Usage: finding-relay smoke [--timeout 60s] [--allow-real] [--url http://127.0.0.1:8080] [--repo owner/name]
  Publishes one synthetic finding marked as a smoke test (agent finding-relay-smoke, label
  smoke-test, title "[smoke test] …") to FINDINGS_TOPIC of the environment configured here, waits
  for its outcome through the worker's GET /api/outcomes/{id}, and prints what each channel did.
  Exit 0 only if every channel reached what the safety matrix predicts for this configuration.
  --timeout D   how long to wait for the outcome (default 60s; units s, m, h)
  --url URL     the worker's HTTP base URL (default http://127.0.0.1:$PORT)
  --repo R      the finding's GitHub repo (default: the first GITHUB_REPO_ALLOWLIST entry without *)
  --allow-real  when GitHub is REAL, let the smoke finding open a real issue; without it the
                finding is published without a repo, so GitHub drops it (no-repo)`;

export const checkUsage = `Usage: finding-relay check [--json] [--strict] [--finding FILE]
  Reports what Slack, GitHub and storage would do in this environment and in dev/staging/prod.
  --json          one JSON object (for machines)
  --strict        exit 1 when the current environment is MISCONFIGURED
  --finding FILE  also route one sample finding (JSON) and show each channel's decision,
                  naming the active silence (from STATE_URI) that would mute it`;

export const silenceUsage = `Usage: finding-relay silence <add|list|expire> [options]
  Silences mute matching findings for a while, for every worker of this environment (they live in
  the state store, STATE_URI; workers honour a new or expired silence within 5 s). A silenced
  finding is dropped (reason silenced) on each channel the silence covers, and outbox entries not
  yet sent are dropped the same way when their dispatcher takes them.

  add --match M [--match M...] (--for D | --until TIME) --reason TEXT
      [--channel slack|github] [--author NAME] [--json]
                    creates a silence and prints its id (--json: the whole silence); D like 30m,
                    6h, 7d; TIME an ISO timestamp; --author defaults to the user running this
  list [--all] [--json]
                    active silences (--all: pending and ended too) with matchers, author, reason,
                    start, end and time left
  expire ID         ends a silence now (it stays in list --all for a month)

  A matcher M is KEY=VALUE, KEY!=VALUE, KEY=~REGEX or KEY!~REGEX (regexes anchored, as in
  Alertmanager: agent=~dep matches only "dep"), KEY one of agent, fingerprint, repo, severity,
  title, label (label=X: any label is X; label!=X: no label is X). Quote a value as a JSON string
  when it is empty or starts with ~ or ". All matchers of a silence must match.`;

export const versionUsage = `Usage: finding-relay version
  Prints the version of finding-relay (the same as finding-relay --version).`;
