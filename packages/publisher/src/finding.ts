/**
 * `@finding-relay/publisher/finding`: finding schema version 1 itself, for the relay and tools
 * that read findings: the zod schemas and limits, the message parser, the default fingerprint,
 * the message attributes and the generated JSON Schema. The relay imports these from here, so the
 * schema lives in one place. Agents normally need only the package's main entry.
 */
export { findingAttributes } from './attributes.js';
export { defaultFingerprint, normaliseTitle } from './fingerprint.js';
export { DETAIL_MAX_CHARS, formatIssues, oneLine, truncateText } from './format-issues.js';
export { buildFindingJsonSchema, FINDING_SCHEMA_ID, renderFindingJsonSchema } from './json-schema.js';
export {
  type FindingParseResult,
  type FindingRejectReason,
  parseFindingBytes,
  validateFinding,
} from './parse.js';
export { type PreparedMessage, prepareFinding } from './prepare-finding.js';
export {
  FINDING_LIMITS,
  type Finding,
  type FindingInput,
  findingInputSchema,
  findingSchema,
  MAX_MESSAGE_BYTES,
} from './schema.js';
export { SEVERITIES, type Severity } from './severity.js';
