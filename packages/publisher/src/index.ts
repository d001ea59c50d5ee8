/**
 * `@finding-relay/publisher`: what an agent needs to publish findings finding-relay accepts
 * (`import { createPublisher } from '@finding-relay/publisher'`). Runtime dependencies:
 * `@google-cloud/pubsub` and `zod`, nothing else.
 */
export {
  createPublisher,
  DEFAULT_FINDINGS_TOPIC,
  type FindingPublisher,
  type PublisherOptions,
} from './create-publisher.js';
export { FindingValidationError } from './finding-validation-error.js';
export { defaultFingerprint } from './fingerprint.js';
export { type FindingParseResult, type FindingRejectReason, validateFinding } from './parse.js';
export { createPubSubClient, EMULATOR_DEFAULT_PROJECT, type PubSubClientOptions } from './pubsub-client.js';
export { type Finding, type FindingInput, MAX_MESSAGE_BYTES } from './schema.js';
export { SEVERITIES, type Severity } from './severity.js';
