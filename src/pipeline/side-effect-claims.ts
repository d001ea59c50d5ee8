import type { ChannelName, FinalOutcome } from '../channels/types.js';

/** What the dedupe stage needs from the state store (implemented in src/state). */
export interface ClaimsPort {
  claim(
    eventId: string,
    channel: ChannelName,
  ): Promise<
    | { status: 'claimed'; token: unknown }
    | { status: 'done'; record: unknown }
    | { status: 'held'; holder: string; expiresAt: number }
  >;
  markDone(token: unknown, record: FinalOutcome): Promise<void>;
  release(token: unknown): Promise<void>;
}

/** The Slack fingerprint window: only the first finding of a fingerprint per window is announced. */
export interface FingerprintWindowPort {
  /** `eventId` makes a redelivery of the event that opened the window still count as first. */
  firstInWindow(
    scope: string,
    fingerprint: string,
    eventId?: string,
  ): Promise<{ first: true; token: unknown } | { first: false; since: number; count: number }>;
  /** Gives the window back when the announcement failed, so a redelivery can announce it. */
  release(token: unknown): Promise<void>;
}

export function isFinalOutcomeRecord(value: unknown): value is FinalOutcome {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'sent' || kind === 'dry-run' || kind === 'dropped';
}
