import { describe, expect, it } from 'vitest';
import { notReadyReason, type ReadinessInputs } from './readiness-verdict.js';

const ready: ReadinessInputs = {
  state: 'running',
  subscriptionError: undefined,
  configIssues: [],
  storeUnavailable: null,
};

describe('notReadyReason', () => {
  it('is null only while running, subscribed, configured and the store answers', () => {
    expect(notReadyReason(ready)).toBeNull();
  });

  it('names every reason it is not ready', () => {
    expect(notReadyReason({ ...ready, state: 'draining' })).toBe('draining: not taking new messages');
    expect(notReadyReason({ ...ready, subscriptionError: 'NOT_FOUND: sub' })).toBe(
      'subscription failed: NOT_FOUND: sub',
    );
    const all = notReadyReason({
      state: 'stopped',
      subscriptionError: 'gone',
      configIssues: ['PORT: not a number'],
      storeUnavailable: 'state store unavailable: the last 3 claims failed (latest: x)',
    });
    expect(all).toContain('stopped');
    expect(all).toContain('subscription failed: gone');
    expect(all).toContain('configuration invalid: PORT: not a number');
    expect(all).toContain('state store unavailable');
  });
});
