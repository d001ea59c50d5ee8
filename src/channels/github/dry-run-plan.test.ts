import { describe, expect, it } from 'vitest';
import { planDryRunGroup } from './dry-run-plan.js';
import type { IssueIndexEntry } from './issue-index.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-08T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const open = (over: Partial<IssueIndexEntry> = {}): IssueIndexEntry => ({
  state: 'open',
  lastCommentAt: iso(T0),
  seenSinceComment: 0,
  firstSeenAt: iso(T0),
  ...over,
});

describe('planDryRunGroup', () => {
  it('opens once, then counts recurrences inside the window', () => {
    const plan = planDryRunGroup(['e1', 'e2', 'e3'], undefined, undefined, T0, HOUR);
    expect(plan.steps).toEqual([{ kind: 'create' }, { kind: 'duplicate' }, { kind: 'duplicate' }]);
    expect(plan.write).toEqual({ entry: open({ seenSinceComment: 2, findingId: 'e1' }) });
  });

  it('after the window, one comment with the count and when the last announcement was', () => {
    const dry = { entry: open({ seenSinceComment: 4, findingId: 'e0' }), generation: '7' };
    const plan = planDryRunGroup(['e9', 'e10'], dry, undefined, T0 + 2 * HOUR, HOUR);
    expect(plan.steps).toEqual([
      { kind: 'comment', number: undefined, count: 5, since: iso(T0) },
      { kind: 'duplicate' },
    ]);
    expect(plan.write).toEqual({
      generation: '7',
      entry: open({ lastCommentAt: iso(T0 + 2 * HOUR), seenSinceComment: 1, findingId: 'e0' }),
    });
  });

  it('continues from an open REAL issue (its number and window) and follows up a closed one', () => {
    const real = open({ number: 42, seenSinceComment: 3 });
    expect(planDryRunGroup(['e1'], undefined, real, T0 + 2 * HOUR, HOUR).steps).toEqual([
      { kind: 'comment', number: 42, count: 4, since: iso(T0) },
    ]);
    expect(planDryRunGroup(['e1'], undefined, real, T0 + 1, HOUR).steps).toEqual([{ kind: 'duplicate' }]);
    const closed = planDryRunGroup(['e1'], undefined, { ...real, state: 'closed' }, T0, HOUR);
    expect(closed.steps).toEqual([{ kind: 'create', previous: 42 }]);
    expect(closed.write?.entry).toMatchObject({ previous: 42, findingId: 'e1' });
  });

  it('the opening event coming back records its issue again and changes nothing', () => {
    const dry = { entry: open({ findingId: 'e1' }), generation: '3' };
    expect(planDryRunGroup(['e1'], dry, undefined, T0 + 5, HOUR)).toEqual({ steps: [{ kind: 'create' }] });
  });
});
