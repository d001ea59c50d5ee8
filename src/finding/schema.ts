/**
 * Finding schema version 1 lives in the publisher package (packages/publisher/src/schema.ts), the
 * one place it is defined; the relay's modules import it through this re-export. New code may
 * import `@finding-relay/publisher/finding` directly.
 */
export {
  FINDING_LIMITS,
  type Finding,
  type FindingInput,
  findingInputSchema,
  findingSchema,
  MAX_MESSAGE_BYTES,
} from '@finding-relay/publisher/finding';
