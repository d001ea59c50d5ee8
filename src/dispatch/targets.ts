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
