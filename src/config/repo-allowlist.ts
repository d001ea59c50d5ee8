import { type Checked, checkedBy, type VariableType } from './value-types.js';

export const REPO_ALLOWLIST_FORM = 'comma-separated owner/name or owner/* entries';

// GitHub's rules: an owner is 1–39 letters, digits or hyphens, not starting or ending with one;
// a repository name is 1–100 letters, digits, ".", "_" or "-", and not "." or "..".
const OWNER = /^[a-z0-9](?:[a-z0-9-]{0,37}[a-z0-9])?$/;
const NAME = /^[a-z0-9._-]{1,100}$/;

function isAllowlistEntry(entry: string): boolean {
  const parts = entry.split('/');
  if (parts.length !== 2) return false;
  const [owner, name] = parts as [string, string];
  return OWNER.test(owner) && (name === '*' || (NAME.test(name) && name !== '.' && name !== '..'));
}

/**
 * Splits on commas, trims, ignores empty items, lower-cases (GitHub names are case-insensitive)
 * and drops repeats. Any bad entry fails the whole list, naming every bad entry.
 */
export function checkRepoAllowlist(text: string): Checked<readonly string[]> {
  const entries = text
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '');
  const bad = entries.filter((entry) => !isAllowlistEntry(entry));
  if (bad.length > 0) {
    const names = bad.map((entry) => JSON.stringify(entry)).join(', ');
    return {
      error: `invalid ${bad.length === 1 ? 'entry' : 'entries'} ${names}: expected owner/name or owner/*`,
    };
  }
  return { value: [...new Set(entries)] };
}

export function repoAllowlistType(): VariableType<readonly string[]> {
  return { kind: { type: 'list', form: REPO_ALLOWLIST_FORM }, schema: checkedBy(checkRepoAllowlist) };
}
