import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import type { Firestore } from '@google-cloud/firestore';
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import { findMarker } from '../../src/channels/github/marker.js';
import { readLedger } from '../../src/channels/ledger/ledger-reader.js';
import { createFileLedgerStorage } from '../../src/channels/ledger/ledger-storage.js';
import type { LedgerRecord } from '../../src/channels/ledger/types.js';
import { CHANNELS, type ChannelName } from '../../src/channels/types.js';
import { type DeadLetter, toDeadLetter } from '../../src/dlq/dead-letter-record.js';
import { COLLECTIONS } from '../../src/state/firestore-documents.js';
import type { RecordedOutcome } from '../../src/state/relay-state.js';
import type { CorpusEntry } from './e2e-corpus.js';
import type { GitHubStandIn } from './github-stand-in.js';
import type { RecordedRequest as SlackRequest } from './slack-stand-in.js';

/** One row of the relay's deliveries (the outbox and the done records), as read back. */
export interface DeliveryRow {
  readonly state: 'queued' | 'done' | 'dead-lettered';
  readonly outcome: RecordedOutcome | undefined;
  readonly attempts: number;
  readonly cause: string | undefined;
  readonly enqueuedAt: number;
  readonly finishedAt: number | undefined;
}

/** A `deliveries` row as stored, before it is typed (sqlite columns or Firestore fields, same names). */
export interface RawDeliveryRow {
  readonly eventId: string;
  readonly channel: string;
  readonly state: string;
  /** JSON text, or null. */
  readonly outcome: unknown;
  readonly attempts: unknown;
  readonly cause: unknown;
  readonly enqueuedAt: unknown;
  readonly finishedAt: unknown;
}

/** Where a run's delivery rows are read from: the workers' shared sqlite file, or their Firestore project. */
export interface DeliverySource {
  /** Every row; undefined when there is nothing to read yet (no worker created the store). */
  read(): Promise<RawDeliveryRow[] | undefined>;
  close(): Promise<void>;
}

/** The sqlite file the workers share (read-only, its own connection: WAL readers never wait for the writers). */
export function sqliteDeliverySource(dbPath: string): DeliverySource {
  return {
    read: async () => {
      if (!existsSync(dbPath)) return undefined;
      const db = new DatabaseSync(dbPath, { readOnly: true, timeout: 1_000 });
      try {
        return db
          .prepare(
            'SELECT event_id AS eventId, channel, state, outcome, attempts, cause, enqueued_at AS enqueuedAt, finished_at AS finishedAt FROM deliveries',
          )
          .all() as unknown as RawDeliveryRow[];
      } catch {
        return undefined; // a schema not there yet (no worker opened it): nothing recorded
      } finally {
        db.close();
      }
    },
    close: async () => undefined,
  };
}

/**
 * The `relay_deliveries` collection of the workers' Firestore project (firestore-documents.ts),
 * read with a client of the test's own; the payload is left out of the read.
 */
export function firestoreDeliverySource(firestore: Firestore): DeliverySource {
  const fields = ['eventId', 'channel', 'state', 'outcome', 'attempts', 'cause', 'enqueuedAt', 'finishedAt'];
  return {
    read: async () => {
      const snap = await firestore
        .collection(COLLECTIONS.deliveries)
        .select(...fields)
        .get();
      return snap.docs.map((d) => d.data() as RawDeliveryRow);
    },
    close: () => firestore.terminate(),
  };
}

/**
 * Follows the relay's deliveries (the outbox and the done records) as a run goes, read straight
 * from the store the workers share. A row is one (event id, channel): queued in the outbox, done
 * with its outcome, or dead-lettered. With `minIntervalMs`, a refresh within that time of the last
 * read answers from it (a Firestore read of every row is not free, for this process or the emulator).
 */
export class DeliveryRecords {
  /** Final rows (done or dead-lettered), by `id\nchannel`. */
  readonly done = new Map<string, DeliveryRow>();
  /** Rows still queued, and (event, channel)s without a row, for diagnosis. */
  readonly pending = new Map<string, DeliveryRow | undefined>();
  private readonly ids: Set<string>;
  private lastRead = 0;

  constructor(
    private readonly source: DeliverySource,
    private readonly corpus: readonly CorpusEntry[],
    private readonly minIntervalMs = 0,
  ) {
    this.ids = new Set(corpus.map((e) => e.finding.id));
  }

  key = (id: string, channel: ChannelName) => `${id}\n${channel}`;

  /** The recorded final outcome (done rows only; a dead-lettered row is on the DLQ instead). */
  outcome(id: string, channel: ChannelName): RecordedOutcome | undefined {
    const row = this.done.get(this.key(id, channel));
    return row?.state === 'done' ? row.outcome : undefined;
  }

  row(id: string, channel: ChannelName): DeliveryRow | undefined {
    return this.done.get(this.key(id, channel)) ?? this.pending.get(this.key(id, channel));
  }

  /** Re-reads the rows (`fresh`: even within minIntervalMs); returns how many findings have a final row on every channel. */
  async refresh(fresh = false): Promise<number> {
    if (!fresh && performance.now() - this.lastRead < this.minIntervalMs) return this.countDone();
    const rows = await this.source.read();
    this.lastRead = performance.now();
    if (rows === undefined) return this.countDone();
    this.pending.clear();
    for (const r of rows) {
      const id = String(r.eventId);
      if (!this.ids.has(id)) continue;
      const row: DeliveryRow = {
        state: r.state as DeliveryRow['state'],
        outcome: typeof r.outcome === 'string' ? (JSON.parse(r.outcome) as RecordedOutcome) : undefined,
        attempts: Number(r.attempts),
        cause: typeof r.cause === 'string' ? r.cause : undefined,
        enqueuedAt: Number(r.enqueuedAt),
        finishedAt: r.finishedAt === null || r.finishedAt === undefined ? undefined : Number(r.finishedAt),
      };
      const key = this.key(id, r.channel as ChannelName);
      if (row.state === 'queued') this.pending.set(key, row);
      else this.done.set(key, row);
    }
    return this.countDone();
  }

  close(): Promise<void> {
    return this.source.close();
  }

  private countDone(): number {
    return this.corpus.filter(({ finding }) => CHANNELS.every((c) => this.done.has(this.key(finding.id, c))))
      .length;
  }
}

/** Collects the dead-letter subscription while a run goes (acking what arrives). */
export class DeadLetterCollector {
  readonly letters: DeadLetter[] = [];
  private readonly subscription: Subscription;
  lastArrival = 0;

  constructor(pubsub: PubSub, subscriptionName: string) {
    this.subscription = pubsub.subscription(subscriptionName, { batching: { maxMilliseconds: 10 } });
    this.subscription.on('message', (message: Message) => {
      message.ack();
      this.lastArrival = Date.now();
      this.letters.push(
        toDeadLetter({
          ackId: message.ackId,
          messageId: message.id,
          publishTime: new Date(message.publishTime.getTime()),
          data: message.data,
          attributes: message.attributes ?? {},
        }),
      );
    });
    this.subscription.on('error', () => undefined);
  }

  ids(): Set<string> {
    return new Set(this.letters.map((l) => l.findingId).filter((id): id is string => id !== undefined));
  }

  close(): Promise<void> {
    return this.subscription.close();
  }
}

/** One accepted Slack message, with what it says about the findings it covers. */
export interface SlackDigest {
  readonly at: number;
  readonly text: string;
  /** From the header: how many findings the digest covers (listed and counted). */
  readonly covers: number | undefined;
  /** Finding ids (or `group:N` for default-fingerprint groups) of the findings listed in full. */
  readonly listed: string[];
}

const SEVERITY_WORDS = 'INFO|LOW|MEDIUM|HIGH|CRITICAL';

export function parseDigest(request: SlackRequest, idPrefix: string): SlackDigest {
  const body = (request.body ?? {}) as { text?: unknown; blocks?: unknown };
  const text = typeof body.text === 'string' ? body.text : '';
  const blocks = Array.isArray(body.blocks) ? (body.blocks as Array<Record<string, unknown>>) : [];
  const header = blocks.find((b) => b.type === 'header') as { text?: { text?: string } } | undefined;
  const count = /^\[[^\]]*\] ([\d,]+) findings?:/.exec(header?.text?.text ?? text);
  const listed: string[] = [];
  const titleAt = new RegExp(`\\*(?:${SEVERITY_WORDS})\\* (.*)`);
  for (const block of blocks) {
    if (block.type !== 'section') continue;
    const line = ((block.text as { text?: string } | undefined)?.text ?? '').split('\n')[0]!;
    const title = titleAt.exec(line)?.[1] ?? '';
    const group = new RegExp(`^${idPrefix} recurring problem (\\d+)`).exec(title);
    listed.push(group ? `group:${group[1]}` : (title.split(' ')[0] ?? ''));
  }
  return {
    at: request.at,
    text,
    covers: count ? Number(count[1]!.replace(/,/g, '')) : undefined,
    listed,
  };
}

/** One issue or comment in the GitHub stand-in, tied to the event that made it. */
export interface GitHubEffect {
  readonly kind: 'issue' | 'comment';
  readonly repo: string;
  readonly issue: number;
  readonly state?: 'open' | 'closed';
  readonly fingerprint?: string;
  readonly eventId: string | undefined;
  readonly createdAt: string;
}

/** Event ids as render.ts writes them: inline-escaped, maybe with zero-width spaces. */
const clean = (text: string) => text.replace(/\u200B/g, '').replace(/\\(.)/g, '$1');

export function githubEffects(github: GitHubStandIn, repos: readonly string[]): GitHubEffect[] {
  const effects: GitHubEffect[] = [];
  for (const repo of repos) {
    for (const issue of github.issues(repo)) {
      const body = String(issue.body ?? '');
      const event = /\| \*\*Event id\*\* \| (.+?) \|/.exec(body)?.[1];
      const number = Number(issue.number);
      effects.push({
        kind: 'issue',
        repo,
        issue: number,
        state: issue.state === 'closed' ? 'closed' : 'open',
        fingerprint: findMarker(body),
        eventId: event === undefined ? undefined : clean(event),
        createdAt: String(issue.created_at),
      });
      for (const comment of github.comments(repo, number)) {
        const event = / · event (\S+)/.exec(String(comment.body ?? ''))?.[1];
        effects.push({
          kind: 'comment',
          repo,
          issue: number,
          eventId: event === undefined ? undefined : clean(event),
          createdAt: String(comment.created_at),
        });
      }
    }
  }
  return effects;
}

/** The dry-run ledger under a `file://` STORAGE_URI's directory (plain `.jsonl` files). */
export async function ledgerOf(root: string, env: string): Promise<LedgerRecord[]> {
  if (!existsSync(root)) return [];
  return (await readLedger(createFileLedgerStorage(root), { env })).records;
}
