/**
 * The library entry of the `finding-relay` package (`import { createPublisher } from 'finding-relay'`):
 * what an agent needs to publish findings the relay accepts.
 */
export type { Severity } from './config/types.js';
export { defaultFingerprint } from './finding/fingerprint.js';
export { type FindingParseResult, type FindingRejectReason, validateFinding } from './finding/parse.js';
export { type Finding, type FindingInput, MAX_MESSAGE_BYTES } from './finding/schema.js';
export {
  createPublisher,
  DEFAULT_FINDINGS_TOPIC,
  type FindingPublisher,
  type PublisherOptions,
} from './publisher/create-publisher.js';
export { FindingValidationError } from './publisher/finding-validation-error.js';
