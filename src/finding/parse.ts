/**
 * The finding parser lives in the publisher package (packages/publisher/src/parse.ts), beside the
 * schema it applies; the relay's modules import it through this re-export. New code may import
 * `@finding-relay/publisher/finding` directly.
 */
export {
  DETAIL_MAX_CHARS,
  type FindingParseResult,
  type FindingRejectReason,
  formatIssues,
  parseFindingBytes,
  validateFinding,
} from '@finding-relay/publisher/finding';
