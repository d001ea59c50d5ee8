import type { DeploymentEnv } from '../../config/types.js';

/** Exactly what REAL mode would send to GitHub (no secret: no headers, no token). */
export interface LedgerRequest {
  readonly method: 'POST' | 'PATCH';
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** One JSON Lines record of the dry-run ledger (docs/contract.md §5). */
export interface LedgerRecord {
  readonly at: string;
  readonly env: DeploymentEnv;
  readonly channel: 'github';
  readonly mode: 'DRY_RUN';
  readonly findingId: string;
  readonly fingerprint: string;
  readonly action: 'create-issue' | 'comment-issue';
  readonly request: LedgerRequest;
}

export type LedgerEntry = Omit<LedgerRecord, 'at' | 'env' | 'channel' | 'mode'>;

/**
 * Appends records; lines from many callers are batched into one JSON Lines object per flush.
 * Resolves with the object key the record landed in once that object is durably written.
 */
export interface LedgerWriter {
  append(entry: LedgerEntry): Promise<string>;
  /** Writes whatever is pending now. */
  flush(): Promise<void>;
}
