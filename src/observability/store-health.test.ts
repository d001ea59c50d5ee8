import { describe, expect, it } from 'vitest';
import type { ClaimsPort } from '../pipeline/side-effect-claims.js';
import { StoreUnavailableError } from '../state/store.js';
import { observeClaims, StoreHealth } from './store-health.js';

function flakyClaims(script: Array<'ok' | 'down' | 'bug'>): ClaimsPort {
  const next = async () => {
    const step = script.shift() ?? 'ok';
    if (step === 'down') throw new StoreUnavailableError('gs://b/p: claim "e/slack" failed: 503');
    if (step === 'bug') throw new TypeError('not a store problem');
  };
  return {
    claim: async () => {
      await next();
      return { status: 'claimed', token: 't' };
    },
    markDone: next,
    release: async () => undefined,
  };
}

describe('StoreHealth through observeClaims', () => {
  it('turns unavailable after 3 consecutive StoreUnavailableErrors, and back after one success', async () => {
    const health = new StoreHealth(3);
    const claims = observeClaims(flakyClaims(['down', 'down', 'bug', 'down', 'ok']), health);
    await expect(claims.claim('e', 'slack')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(claims.markDone('t', { kind: 'sent' })).rejects.toBeInstanceOf(StoreUnavailableError);
    // Errors that are not about the store neither count nor clear.
    await expect(claims.claim('e', 'slack')).rejects.toBeInstanceOf(TypeError);
    expect(health.available).toBe(true);
    expect(health.unavailableReason()).toBeNull();
    await expect(claims.claim('e', 'github')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(health.available).toBe(false);
    expect(health.unavailableReason()).toMatch(
      /^state store unavailable: the last 3 claims failed \(latest: .*503\)$/,
    );
    await expect(claims.claim('e', 'github')).resolves.toEqual({ status: 'claimed', token: 't' });
    expect(health.unavailableReason()).toBeNull();
  });
});
