import { describe, expect, it } from 'vitest';
import { checkRepoAllowlist } from './repo-allowlist.js';

describe('checkRepoAllowlist', () => {
  it('trims, ignores empty items, lower-cases and drops repeats', () => {
    expect(checkRepoAllowlist(' Acme/API ,, acme/*, acme/api ,octo-org/my.repo_1,')).toEqual({
      value: ['acme/api', 'acme/*', 'octo-org/my.repo_1'],
    });
    expect(checkRepoAllowlist(',,')).toEqual({ value: [] });
  });

  it('names every bad entry', () => {
    const result = checkRepoAllowlist(
      'acme/api, nope, */*, a/b/c, -acme/x, acme/.., acme/*x, acme/has space',
    );
    expect(result).toEqual({
      error:
        'invalid entries "nope", "*/*", "a/b/c", "-acme/x", "acme/..", "acme/*x", "acme/has space": expected owner/name or owner/*',
    });
  });

  it('says entry for a single bad one', () => {
    expect(checkRepoAllowlist('*')).toEqual({ error: 'invalid entry "*": expected owner/name or owner/*' });
  });

  it('holds to GitHub length limits', () => {
    expect('value' in checkRepoAllowlist(`${'a'.repeat(39)}/${'r'.repeat(100)}`)).toBe(true);
    expect('error' in checkRepoAllowlist(`${'a'.repeat(40)}/r`)).toBe(true);
    expect('error' in checkRepoAllowlist(`a/${'r'.repeat(101)}`)).toBe(true);
  });
});
