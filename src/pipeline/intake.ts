import { parseFindingBytes } from '../finding/parse.js';
import type { Stage } from './stage.js';

/** Size, UTF-8, JSON and schema: a message either carries a Finding from here on, or its reason. */
export function intakeStage(): Stage {
  return async (batch) => {
    for (const envelope of batch) {
      const parsed = parseFindingBytes(envelope.message.data);
      if (parsed.ok) {
        envelope.finding = parsed.finding;
      } else {
        envelope.invalid = { reason: parsed.reason, detail: parsed.detail };
      }
    }
    return batch;
  };
}
