import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IssueIndexEntry } from './issue-index.js';
import {
  continueFromReal,
  type IssueStep,
  type PlannedStep,
  planIssueGroup,
  planIssueStep,
} from './issue-plan.js';

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

describe('planIssueStep', () => {
  const cases: Array<{ name: string; entry?: IssueIndexEntry; now: number; want: PlannedStep }> = [
    {
      name: 'a new fingerprint opens an issue, this event its creator',
      now: T0 + 5,
      want: {
        step: { kind: 'create' },
        entry: open({ lastCommentAt: iso(T0 + 5), firstSeenAt: iso(T0 + 5), findingId: 'e1' }),
      },
    },
    {
      name: 'a recurrence within the window is counted, the window unchanged',
      entry: open({ number: 7, seenSinceComment: 2, checkedAt: T0 }),
      now: T0 + HOUR - 1,
      want: { step: { kind: 'duplicate' }, entry: open({ number: 7, seenSinceComment: 3, checkedAt: T0 }) },
    },
    {
      name: 'once the window has passed, one comment with the count and since, opening a new window',
      entry: open({ number: 7, seenSinceComment: 2, checkedAt: T0 }),
      now: T0 + HOUR,
      want: {
        step: { kind: 'comment', number: 7, count: 3, since: iso(T0) },
        entry: open({ number: 7, lastCommentAt: iso(T0 + HOUR), checkedAt: T0 }),
      },
    },
    {
      name: "a dry run's comment targets the issue it would have opened (no number)",
      entry: open({ findingId: 'e0' }),
      now: T0 + 2 * HOUR,
      want: {
        step: { kind: 'comment', number: undefined, count: 1, since: iso(T0) },
        entry: open({ findingId: 'e0', lastCommentAt: iso(T0 + 2 * HOUR) }),
      },
    },
    {
      name: 'a closed issue is followed up by a new one linking it, keeping when it was first seen',
      entry: open({ state: 'closed', number: 7, findingId: 'e0', firstSeenAt: iso(T0 - HOUR) }),
      now: T0 + 5,
      want: {
        step: { kind: 'create', previous: 7 },
        entry: open({
          lastCommentAt: iso(T0 + 5),
          firstSeenAt: iso(T0 - HOUR),
          findingId: 'e1',
          previous: 7,
        }),
      },
    },
    {
      name: 'the creator of an issue since closed, back again, follows it up too',
      entry: open({ state: 'closed', number: 7, findingId: 'e1' }),
      now: T0 + 5,
      want: {
        step: { kind: 'create', previous: 7 },
        entry: open({ lastCommentAt: iso(T0 + 5), findingId: 'e1', previous: 7 }),
      },
    },
    {
      name: 'the event that opened an issue, back after its window, is that issue (never a comment)',
      entry: open({ number: 7, findingId: 'e1' }),
      now: T0 + 2 * HOUR,
      want: { step: { kind: 'opened-by-this', number: 7 }, entry: undefined },
    },
    {
      name: "the event that opened a dry run's would-be follow-up keeps the link it recorded",
      entry: open({ findingId: 'e1', previous: 3 }),
      now: T0 + 5,
      want: { step: { kind: 'opened-by-this', previous: 3 }, entry: undefined },
    },
  ];

  it.each(cases)('$name', ({ entry, now, want }) => {
    expect(planIssueStep('e1', entry, now, HOUR)).toStrictEqual(want);
  });
});

describe('planIssueGroup', () => {
  it('opens once, then counts recurrences inside the window', () => {
    const plan = planIssueGroup(['e1', 'e2', 'e3'], undefined, T0, HOUR);
    expect(plan.steps).toEqual([{ kind: 'create' }, { kind: 'duplicate' }, { kind: 'duplicate' }]);
    expect(plan.entry).toEqual(open({ seenSinceComment: 2, findingId: 'e1' }));
  });

  it('after the window, one comment with the count and when the last announcement was', () => {
    const plan = planIssueGroup(
      ['e9', 'e10'],
      open({ seenSinceComment: 4, findingId: 'e0' }),
      T0 + 2 * HOUR,
      HOUR,
    );
    expect(plan.steps).toEqual([
      { kind: 'comment', number: undefined, count: 5, since: iso(T0) },
      { kind: 'duplicate' },
    ]);
    expect(plan.entry).toEqual(
      open({ lastCommentAt: iso(T0 + 2 * HOUR), seenSinceComment: 1, findingId: 'e0' }),
    );
  });

  it('the opening event coming back records its issue again and changes nothing', () => {
    expect(planIssueGroup(['e1'], open({ findingId: 'e1' }), T0 + 5, HOUR)).toEqual({
      steps: [{ kind: 'opened-by-this' }],
      entry: undefined,
    });
  });

  it('a dry run continues from an open REAL issue (its number and window) and follows up a closed one', () => {
    const real = open({ number: 42, seenSinceComment: 3, findingId: 'r1', checkedAt: T0 });
    const start = continueFromReal(real);
    expect(planIssueGroup(['e1'], start, T0 + 2 * HOUR, HOUR).steps).toEqual([
      { kind: 'comment', number: 42, count: 4, since: iso(T0) },
    ]);
    const within = planIssueGroup(['e1'], start, T0 + 1, HOUR);
    expect(within.steps).toEqual([{ kind: 'duplicate' }]);
    // Written to the dry-run index: the real issue's fields, not REAL's creator or its checks.
    expect(within.entry).toStrictEqual(open({ number: 42, seenSinceComment: 4 }));
    // REAL's creator coming through a dry run is not the dry run's creator.
    expect(planIssueGroup(['r1'], start, T0 + 1, HOUR).steps).toEqual([{ kind: 'duplicate' }]);
    const closed = planIssueGroup(['e1'], continueFromReal({ ...real, state: 'closed' }), T0, HOUR);
    expect(closed.steps).toEqual([{ kind: 'create', previous: 42 }]);
    expect(closed.entry).toMatchObject({ state: 'open', previous: 42, findingId: 'e1' });
  });

  it('never more than one create and one comment for a group planned at one instant', () => {
    const entries = fc.option(
      fc.record({
        state: fc.constantFrom('open' as const, 'closed' as const),
        number: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
        lastCommentAt: fc.integer({ min: 0, max: 3 * HOUR }).map((ago) => iso(T0 - ago)),
        seenSinceComment: fc.nat(20),
        firstSeenAt: fc.constant(iso(T0 - 4 * HOUR)),
        findingId: fc.option(fc.constantFrom('e1', 'e2', 'x'), { nil: undefined }),
      }),
      { nil: undefined },
    );
    const ids = fc.array(fc.constantFrom('e1', 'e2', 'e3', 'e4'), { maxLength: 12 });
    fc.assert(
      fc.property(entries, ids, (entry, group) => {
        const kinds = planIssueGroup(group, entry, T0, HOUR).steps.map((s: IssueStep) => s.kind);
        expect(kinds.filter((k) => k === 'create').length).toBeLessThanOrEqual(1);
        expect(kinds.filter((k) => k === 'comment').length).toBeLessThanOrEqual(1);
        expect(kinds.length).toBe(group.length);
      }),
    );
  });
});

describe('continueFromReal', () => {
  it('has nothing to continue from a claim in flight, an entry without an issue, or no entry', () => {
    expect(continueFromReal(open({ state: 'creating', leaseUntil: T0, findingId: 'r1' }))).toBeUndefined();
    expect(continueFromReal(open())).toBeUndefined();
    expect(continueFromReal(undefined)).toBeUndefined();
  });
});
