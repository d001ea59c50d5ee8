import { createHash } from 'node:crypto';

/** Version tag of the derivation: a change to the normalisation must bump it, never reuse it. */
const FINGERPRINT_PREFIX = 'fr1:';

/**
 * Normalises a title for fingerprinting: NFKC (full-width and compatibility forms fold to their
 * plain letters), trim, lower-case, runs of whitespace collapsed to one space.
 *
 * Digits are deliberately kept: titles such as `CVE-2026-1234 in lodash` and
 * `CVE-2026-1235 in lodash` are different findings, and merging them would hide one. An agent
 * that wants "3 vulns" and "4 vulns" to cluster sends an explicit `fingerprint` instead.
 */
export function normaliseTitle(title: string): string {
  return title.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
}

/**
 * The dedupe key used when a finding carries no `fingerprint`: `fr1:` + sha256 hex of the agent
 * (exact), the repo (lower-cased, as GitHub treats names case-insensitively) and the normalised
 * title. The parts are joined as a JSON array, so ('a', 'b c') and ('a b', 'c') never collide,
 * and "no repo" (null) differs from every repo string.
 */
export function defaultFingerprint(agent: string, repo: string | undefined, title: string): string {
  const parts = [agent, repo === undefined ? null : repo.toLowerCase(), normaliseTitle(title)];
  return FINGERPRINT_PREFIX + createHash('sha256').update(JSON.stringify(parts), 'utf8').digest('hex');
}
