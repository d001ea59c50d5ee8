import type { Finding } from './schema.js';

/**
 * Attributes every finding is published with, so subscribers and `dlq stats` can filter and
 * count without parsing the data.
 */
export function findingAttributes(finding: Finding): Record<string, string> {
  return {
    severity: finding.severity,
    agent: finding.source.agent,
    fingerprint: finding.fingerprint,
    schemaVersion: String(finding.schemaVersion),
  };
}
