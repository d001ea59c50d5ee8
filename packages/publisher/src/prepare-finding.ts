import { findingAttributes } from './attributes.js';
import { FindingValidationError } from './finding-validation-error.js';
import { validateFinding } from './parse.js';
import { type FindingInput, MAX_MESSAGE_BYTES } from './schema.js';

export interface PreparedMessage {
  readonly data: Buffer;
  readonly attributes: Record<string, string>;
}

/**
 * Validates a finding against schema v1 and turns it into the message the relay expects: its
 * JSON with the default fingerprint filled in and the title trimmed, and the attributes
 * (`severity`, `agent`, `fingerprint`, `schemaVersion`). Throws FindingValidationError otherwise.
 */
export function prepareFinding(input: FindingInput): PreparedMessage {
  const parsed = validateFinding(input);
  if (!parsed.ok) throw new FindingValidationError(parsed.reason, parsed.detail);
  const data = Buffer.from(JSON.stringify(parsed.finding));
  if (data.byteLength > MAX_MESSAGE_BYTES) {
    throw new FindingValidationError(
      'too-large',
      `message is ${data.byteLength} bytes; the limit is ${MAX_MESSAGE_BYTES} bytes (256 KiB)`,
    );
  }
  return { data, attributes: findingAttributes(parsed.finding) };
}
