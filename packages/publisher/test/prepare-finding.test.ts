import { describe, expect, it } from 'vitest';
import { FindingValidationError } from '../src/finding-validation-error.js';
import { defaultFingerprint } from '../src/fingerprint.js';
import { prepareFinding } from '../src/prepare-finding.js';
import type { FindingInput } from '../src/schema.js';

const input: FindingInput = {
  schemaVersion: 1,
  id: 'scan-1',
  source: { agent: 'dep-scanner' },
  severity: 'high',
  title: '  lodash is vulnerable  ',
  repo: 'acme/web',
  occurredAt: '2026-11-26T10:00:00Z',
};

describe('prepareFinding', () => {
  it('fills the default fingerprint, trims the title and sets the attributes', () => {
    const fp = defaultFingerprint('dep-scanner', 'acme/web', 'lodash is vulnerable');
    const { data, attributes } = prepareFinding(input);
    expect(JSON.parse(data.toString())).toEqual({ ...input, title: 'lodash is vulnerable', fingerprint: fp });
    expect(attributes).toEqual({
      severity: 'high',
      agent: 'dep-scanner',
      fingerprint: fp,
      schemaVersion: '1',
    });
  });

  it('throws FindingValidationError naming every bad path', () => {
    const bad = { ...input, severity: 'urgent', sevrity: 'x', source: {} } as unknown as FindingInput;
    let error: unknown;
    try {
      prepareFinding(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FindingValidationError);
    const { reason, detail, message } = error as FindingValidationError;
    expect(reason).toBe('invalid-schema');
    expect(detail).toMatch(/severity/);
    expect(detail).toMatch(/sevrity/);
    expect(detail).toMatch(/source\.agent/);
    expect(message).toContain(detail);
  });
});
