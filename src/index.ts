/**
 * The library entry of the `finding-relay` package (`import { createPublisher } from 'finding-relay'`):
 * what an agent needs to publish findings the relay accepts. It all comes from the workspace
 * package `@finding-relay/publisher` (packages/publisher), which an agent can install alone.
 */
export {
  createPublisher,
  DEFAULT_FINDINGS_TOPIC,
  defaultFingerprint,
  type Finding,
  type FindingInput,
  type FindingParseResult,
  type FindingPublisher,
  type FindingRejectReason,
  FindingValidationError,
  MAX_MESSAGE_BYTES,
  type PublisherOptions,
  type Severity,
  validateFinding,
} from '@finding-relay/publisher';
