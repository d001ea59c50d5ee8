import { setTimeout as sleep } from 'node:timers/promises';
import type { Firestore, WriteBatch } from '@google-cloud/firestore';
import { PreconditionFailedError, StoreUnavailableError } from './store.js';

/** What one call may still do: once its deadline passed, no transaction of it commits any more. */
export interface CallGuard {
  readonly expired: boolean;
  /** The call's operation (`enqueue`, `takeDue`…): what its commits, writes and reads are counted under. */
  readonly op: string;
}

/** A call that already gave up commits nothing late. */
class CallAbandonedError extends Error {
  override name = 'CallAbandonedError';
}

/** Counts of what the backend sent (for the bench and the tests' figures). */
export interface FirestoreIo {
  /** Commits that wrote something (transactions and batches). */
  commits: number;
  /** Documents written (creates, sets, updates, deletes, counter increments). */
  writes: number;
  /** Commits read and built again after a conflict (a precondition another writer broke). */
  retries: number;
  /**
   * Documents read as Firestore bills them: every document a get/getAll asked for (found or not),
   * every document a query returned, and 1 for a query that returned none.
   */
  reads: number;
}

const zeroIo = (): FirestoreIo => ({ commits: 0, writes: 0, retries: 0, reads: 0 });

/**
 * Every Firestore backend of this process, by operation (`enqueue`, `takeDue`, `complete`, `read`…):
 * what `npm run bench -- --state firestore` reports as commits, document writes and reads per
 * 1,000 findings. A commit that failed (a conflict, the deadline) is not counted; its reads are.
 */
const processIo = new Map<string, FirestoreIo>();

/** A copy of this process's Firestore counts so far, by operation. */
export function firestoreIoByOp(): Record<string, FirestoreIo> {
  return Object.fromEntries([...processIo].map(([op, io]) => [op, { ...io }]));
}

/** The sum over operations of a firestoreIoByOp() result. */
export function totalIo(byOp: Readonly<Record<string, FirestoreIo>>): FirestoreIo {
  const sum = zeroIo();
  for (const io of Object.values(byOp)) {
    sum.commits += io.commits;
    sum.writes += io.writes;
    sum.retries += io.retries;
    sum.reads += io.reads;
  }
  return sum;
}

/** NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED: someone wrote in between. */
const CONFLICT = new Set([5, 6, 9, 10]);

export interface CallRunnerOptions {
  readonly location: string;
  readonly callTimeoutMs: number;
  /** Attempts of one optimistic commit when another writer got in between. */
  readonly maxAttempts: number;
  readonly io: FirestoreIo;
}

export interface CallRunner {
  /**
   * Runs one RelayState/kv call under the deadline: a Firestore error or the deadline becomes
   * StoreUnavailableError (PreconditionFailedError and TypeError pass through). Calls after
   * close() fail at once.
   */
  run<T>(op: string, body: (guard: CallGuard) => Promise<T>): Promise<T>;
  /** Counts `documents` read by the call (see FirestoreIo.reads): a query's result size, or the refs of a get. */
  read(guard: CallGuard, documents: number): void;
  /**
   * One optimistic commit: `build` reads what it needs (getAll, at one read time, no locks) and
   * stages its writes in one atomic batch, each conditioned on what it read (create = must not
   * exist; update/delete = must still be at the update time read). If another writer got in between,
   * the batch fails whole, and it is read and built again after a short jittered pause. (Firestore
   * transactions lock what they read: on the emulator, overlapping ones wait seconds for each other.)
   */
  commit<T>(
    db: Firestore,
    guard: CallGuard,
    build: (batch: WriteBatch) => Promise<{ result: T; writes: number }>,
  ): Promise<T>;
  /** Refuses new calls, and waits (at most a call's deadline) for those still running to settle. */
  close(): Promise<void>;
}

export function createCallRunner(options: CallRunnerOptions): CallRunner {
  let closed = false;
  const running = new Set<Promise<unknown>>();
  const fail = (op: string, why: string) =>
    new StoreUnavailableError(`${options.location}: ${op} failed: ${why}`);
  const count = (op: string, add: (io: FirestoreIo) => void) => {
    add(options.io);
    const mine = processIo.get(op) ?? zeroIo();
    processIo.set(op, mine);
    add(mine);
  };

  return {
    run: async (op, body) => {
      if (closed) throw fail(op, 'closed');
      const guard = { expired: false, op };
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          guard.expired = true;
          reject(fail(op, `no answer within ${options.callTimeoutMs} ms`));
        }, options.callTimeoutMs);
      });
      const work = body(guard);
      running.add(work);
      // It may settle after the deadline won.
      work.then(
        () => running.delete(work),
        () => running.delete(work),
      );
      try {
        return await Promise.race([work, deadline]);
      } catch (error) {
        if (
          error instanceof StoreUnavailableError ||
          error instanceof PreconditionFailedError ||
          error instanceof TypeError
        ) {
          throw error;
        }
        throw fail(op, describe(error));
      } finally {
        clearTimeout(timer);
      }
    },

    commit: async (db, guard, build) => {
      for (let attempt = 1; ; attempt++) {
        const batch = db.batch();
        const { result, writes } = await build(batch);
        if (writes === 0) return result;
        if (guard.expired) throw new CallAbandonedError('the call gave up before its commit');
        try {
          await batch.commit();
          count(guard.op, (io) => {
            io.commits++;
            io.writes += writes;
          });
          return result;
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if (!CONFLICT.has(code as number) || attempt >= options.maxAttempts || guard.expired) throw error;
          count(guard.op, (io) => io.retries++);
          await sleep(Math.random() * Math.min(200, 4 * 2 ** attempt));
        }
      }
    },

    read: (guard, documents) => count(guard.op, (io) => (io.reads += documents)),

    close: async () => {
      closed = true;
      await Promise.race([Promise.allSettled([...running]), sleep(options.callTimeoutMs)]);
    },
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return code === undefined ? error.message : `${error.message} (code ${String(code)})`;
}
