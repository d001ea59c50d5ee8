import { createHash } from 'node:crypto';

/** A short, one-way name for a secret, so a target can be told apart without carrying it. */
function secretTag(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 16);
}

/** One dispatcher (and one lease, fleet-wide) per Slack webhook. */
export function slackTarget(webhookUrl: string): string {
  return `slack:${secretTag(webhookUrl)}`;
}

/** One dispatcher per GitHub token (REAL) or per environment's dry run (it writes only the ledger). */
export function githubTarget(mode: 'REAL' | 'DRY_RUN', token: string | undefined): string {
  return mode === 'REAL' ? `github:real:${secretTag(token ?? '')}` : 'github:dry-run';
}

/** Where intake queues each channel's entries: the dispatcher target of each active webhook and token. */
export interface DispatchTargets {
  /** The default webhook's (SLACK_WEBHOOK_URL). */
  readonly slack?: string;
  readonly github?: string;
  /** Each routed webhook's, by name (docs/contract.md §7). */
  readonly slackWebhooks?: Readonly<Record<string, string>>;
}

/** The target of one decided channel; undefined when no dispatcher here drains it. */
export function targetFor(
  targets: DispatchTargets,
  channel: 'slack' | 'github',
  decision: { readonly webhook?: string },
): string | undefined {
  if (channel === 'github') return targets.github;
  return decision.webhook === undefined ? targets.slack : targets.slackWebhooks?.[decision.webhook];
}
