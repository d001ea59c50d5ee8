import { encodeKeyPart } from '../../state/keys.js';
import { PreconditionFailedError, type StateStore } from '../../state/store.js';
import type { GitHubIssueSummary } from './client.js';

/**
 * The (repo, fingerprint) → issue index in the state store. Every change is a create-if-absent or
 * a compare-and-swap, so two workers never both act on one fingerprint: a 'creating' entry with a
 * lease is the claim taken BEFORE an issue is created. REAL and dry-run keep separate namespaces,
 * so a dry run never makes the real relay think an issue exists.
 */

export type IndexNamespace = 'real' | 'dry-run';

export interface IssueIndexEntry {
  /** 'creating': claimed by a worker until `leaseUntil`; 'open'/'closed': the issue's last known state. */
  readonly state: 'creating' | 'open' | 'closed';
  /** The issue; in dry-run undefined means "the issue the dry run would have opened". */
  readonly number?: number;
  /** ISO time of the last announcement: the issue's creation or the last recurrence comment. */
  readonly lastCommentAt: string;
  /** Recurrences counted (dropped as duplicates) since that announcement. */
  readonly seenSinceComment: number;
  readonly firstSeenAt: string;
  /** A closed issue the issue being created follows up (`Previously: #N`). */
  readonly previous?: number;
  /** While 'creating': when the claim lapses (ms since epoch) and who holds it. */
  readonly leaseUntil?: number;
  readonly holder?: string;
  /** While 'creating': the finding (event id) whose creation holds the claim; once open: the one that created it. */
  readonly findingId?: string;
  /** When the issue's state was last confirmed with GitHub (ms since epoch). */
  readonly checkedAt?: number;
}

export interface IndexRecord {
  readonly entry: IssueIndexEntry;
  readonly generation: string;
}

export class CorruptIndexEntryError extends Error {
  override name = 'CorruptIndexEntryError';
}

function parse(key: string, data: Buffer): IssueIndexEntry {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    throw new CorruptIndexEntryError(`issue index entry ${key} is not JSON`);
  }
  const e = value as Partial<IssueIndexEntry> | null;
  const ok =
    typeof e === 'object' &&
    e !== null &&
    (e.state === 'creating' || e.state === 'open' || e.state === 'closed') &&
    typeof e.lastCommentAt === 'string' &&
    typeof e.seenSinceComment === 'number' &&
    typeof e.firstSeenAt === 'string' &&
    (e.number === undefined || Number.isInteger(e.number));
  if (!ok) throw new CorruptIndexEntryError(`issue index entry ${key} has an unexpected shape`);
  return e as IssueIndexEntry;
}

export function issueIndexKey(namespace: IndexNamespace, repo: string, fingerprint: string): string {
  // GitHub repo names are case-insensitive: one entry per repo whatever the spelling.
  return `github/issue-index/${namespace}/${encodeKeyPart(repo.toLowerCase())}/${encodeKeyPart(fingerprint)}`;
}

/** One (repo, fingerprint): what the index keys an issue by. */
export interface IndexPair {
  readonly repo: string;
  readonly fingerprint: string;
}

/** The pair as one string (repo case-insensitive, as GitHub's names are). */
export function indexPairKey(pair: IndexPair): string {
  return JSON.stringify([pair.repo.toLowerCase(), pair.fingerprint]);
}

export class IssueIndex {
  constructor(
    private readonly store: StateStore,
    readonly namespace: IndexNamespace,
  ) {}

  async read(repo: string, fingerprint: string): Promise<IndexRecord | undefined> {
    const key = issueIndexKey(this.namespace, repo, fingerprint);
    const object = await this.store.read(key);
    return object && { entry: parse(key, object.data), generation: object.generation };
  }

  /** Creates the entry if none exists; undefined when one does (someone else got there first). */
  async create(repo: string, fingerprint: string, entry: IssueIndexEntry): Promise<IndexRecord | undefined> {
    return this.guard(async () => {
      const key = issueIndexKey(this.namespace, repo, fingerprint);
      const object = await this.store.createIfAbsent(key, JSON.stringify(entry));
      return { entry, generation: object.generation };
    });
  }

  /** Replaces the entry if it is still at `generation`; undefined when it changed meanwhile. */
  async replace(
    repo: string,
    fingerprint: string,
    generation: string,
    entry: IssueIndexEntry,
  ): Promise<IndexRecord | undefined> {
    return this.guard(async () => {
      const key = issueIndexKey(this.namespace, repo, fingerprint);
      const object = await this.store.compareAndSwap(key, generation, JSON.stringify(entry));
      return { entry, generation: object.generation };
    });
  }

  /** Removes the entry if it is still at `generation`; false when it changed meanwhile. */
  async remove(repo: string, fingerprint: string, generation: string): Promise<boolean> {
    const done = await this.guard(async () => {
      await this.store.delete(issueIndexKey(this.namespace, repo, fingerprint), generation);
      return true;
    });
    return done === true;
  }

  /** Several (repo, fingerprint) entries in one read; keyed by indexPairKey. */
  async readMany(pairs: readonly IndexPair[]): Promise<Map<string, IndexRecord>> {
    const keys = new Map(
      pairs.map((p) => [issueIndexKey(this.namespace, p.repo, p.fingerprint), indexPairKey(p)]),
    );
    const found = await this.store.readMany([...keys.keys()]);
    return new Map(
      [...found].map(([key, object]) => [
        keys.get(key)!,
        { entry: parse(key, object.data), generation: object.generation },
      ]),
    );
  }

  /**
   * Several entries written in one transaction: each created when `generation` is undefined, else
   * replaced if still at it. False at a write's place when its precondition failed.
   */
  async writeMany(
    writes: readonly (IndexPair & { generation?: string; entry: IssueIndexEntry })[],
  ): Promise<boolean[]> {
    const results = await this.store.writeMany(
      writes.map((w) => ({
        key: issueIndexKey(this.namespace, w.repo, w.fingerprint),
        ...(w.generation === undefined ? {} : { generation: w.generation }),
        data: JSON.stringify(w.entry),
      })),
    );
    return results.map((r) => r !== undefined);
  }

  private async guard<T>(op: () => Promise<T>): Promise<T | undefined> {
    try {
      return await op();
    } catch (error) {
      if (error instanceof PreconditionFailedError) return undefined;
      throw error;
    }
  }
}

/**
 * Among issues listed by the relay label, the ones carrying this fingerprint's marker: the open
 * one (at most one by design; the newest if several) and the newest closed one.
 */
export function pickMarkedIssues(
  issues: readonly GitHubIssueSummary[],
  fingerprint: string,
): { open?: GitHubIssueSummary; closed?: GitHubIssueSummary } {
  const marked = issues.filter((i) => i.fingerprint === fingerprint).sort((a, b) => b.number - a.number);
  return { open: marked.find((i) => i.state === 'open'), closed: marked.find((i) => i.state === 'closed') };
}
