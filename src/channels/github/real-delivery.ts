import type { Finding } from '../../finding/schema.js';
import type { Outcome } from '../types.js';
import { createUnderClaim, creatingEntry } from './create-issue-flow.js';
import type { BatchScope, RealDeps } from './delivery-context.js';
import { runPlannedStep } from './real-step.js';

/** Index updates lost to concurrent writers before giving up for this delivery (transient). */
const MAX_ROUNDS = 8;

/**
 * One finding in REAL mode. What it becomes is the plan's (issue-plan: create → `sent`, a comment
 * once the dedupe window has passed → `sent`, within the window → `dropped: duplicate`, a closed
 * issue → a new one linking it), carried out by runPlannedStep. This loop owns what only REAL has:
 * another delivery's creation claim in flight (waited for, or taken over once lapsed), and a fresh
 * read and a new plan after every lost compare-and-swap.
 */
export async function deliverReal(
  deps: RealDeps,
  scope: BatchScope,
  finding: Finding & { repo: string },
): Promise<Outcome> {
  const { repo, fingerprint } = finding;
  let waitedMs = 0;
  let pauseMs = 50;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    scope.signal.throwIfAborted();
    const now = deps.clock.now();
    const record = await deps.index.read(repo, fingerprint);
    let result: Outcome | 'recheck' | undefined;

    if (record && (record.entry.state === 'creating' || record.entry.number === undefined)) {
      const lease = record.entry.leaseUntil ?? 0;
      // Left by this same event (its claim per event and channel is ours now, so no other
      // delivery of it runs): an earlier attempt stopped after the create, e.g. the store failed
      // before the entry was updated. Taken over at once; the fresh lookup adopts its issue.
      const ownEarlierAttempt = record.entry.findingId === finding.id;
      if (lease > now && !ownEarlierAttempt) {
        // Usually another delivery's create, done in milliseconds: wait for it here rather than
        // hand back at once (each hand-back burns a delivery attempt, and a crashed creator's
        // lease could otherwise outlast all of them). Waiting costs no round.
        const waitMs = Math.min(pauseMs, lease - now, deps.creationWaitMs - waitedMs);
        if (waitMs > 0) {
          await deps.clock.sleep(waitMs, scope.signal);
          waitedMs += waitMs;
          pauseMs = Math.min(pauseMs * 2, 2_000);
          round -= 1;
          continue;
        }
        return {
          kind: 'transient',
          cause: `GitHub issue for this fingerprint is being created by ${record.entry.holder ?? 'another worker'}`,
          retryAfterMs: lease - now,
        };
      }
      // A lapsed claim: its holder crashed or its create may have landed, so look afresh first.
      const claimed = await deps.index.replace(
        repo,
        fingerprint,
        record.generation,
        creatingEntry(deps, now, finding.id, record.entry),
      );
      if (claimed) {
        result = await createUnderClaim(deps, scope, finding, {
          record: claimed,
          before: record,
          previous: record.entry.previous,
          freshLookup: true,
        });
      }
    } else {
      result = await runPlannedStep(deps, scope, finding, record, now);
    }
    if (result !== undefined && result !== 'recheck') return result;
  }
  return { kind: 'transient', cause: 'GitHub issue index: too many concurrent updates for this fingerprint' };
}
