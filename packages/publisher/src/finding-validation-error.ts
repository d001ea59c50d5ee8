import type { FindingRejectReason } from './parse.js';

/** Thrown by `publish` for a finding schema v1 refuses; nothing was sent. */
export class FindingValidationError extends Error {
  override name = 'FindingValidationError';
  /** `invalid-schema`, or `too-large` when the JSON is over 256 KiB. */
  readonly reason: FindingRejectReason;
  /** One line naming each offending path, e.g. `severity: must be one of info, low, …`. */
  readonly detail: string;

  constructor(reason: FindingRejectReason, detail: string) {
    super(`invalid finding (${reason}): ${detail}`);
    this.reason = reason;
    this.detail = detail;
  }
}
