import { describe, expect, it } from 'vitest';
import { findSecretLeaks } from './e2e-invariants.js';

describe('the e2e secret scan', () => {
  const secrets = [
    { name: 'GITHUB_TOKEN', value: 'ghp_fake_0123456789abcdef' },
    { name: 'SLACK_WEBHOOK_URL', value: '/services/T0AAAA-fake/B0/xyz0123' },
  ];

  it('names each secret and where it was found', () => {
    const leaks = findSecretLeaks(secrets, [
      { where: 'w1 log', text: '{"err":"POST https://127.0.0.1:1/services/T0AAAA-fake/B0/xyz0123 failed"}' },
      { where: 'ledger', text: '[]' },
      { where: 'dead letters', text: 'Authorization: token ghp_fake_0123456789abcdef' },
    ]);
    expect(leaks).toEqual([
      'secret leak: GITHUB_TOKEN in dead letters (at character 21)',
      'secret leak: SLACK_WEBHOOK_URL in w1 log (at character 32)',
    ]);
  });

  it('finds nothing in redacted text, and refuses a secret too short to mean anything', () => {
    expect(
      findSecretLeaks(secrets, [{ where: 'w1 log', text: 'token [redacted], /services/[redacted]' }]),
    ).toEqual([]);
    expect(() => findSecretLeaks([{ name: 'x', value: 'abc' }], [])).toThrow(/too short/);
  });
});
