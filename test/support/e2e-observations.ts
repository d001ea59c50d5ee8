import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import { findMarker } from '../../src/channels/github/marker.js';
import { readLedger } from '../../src/channels/ledger/ledger-reader.js';
import type { LedgerRecord } from '../../src/channels/ledger/types.js';
import { CHANNELS, type ChannelName, type FinalOutcome } from '../../src/channels/types.js';
import { type DeadLetter, toDeadLetter } from '../../src/dlq/dead-letter-record.js';
import { claimKey } from '../../src/state/claims.js';
import type { StateStore } from '../../src/state/store.js';
import type { CorpusEntry } from './e2e-corpus.js';
import type { GitHubStandIn } from './github-stand-in.js';
import type { RecordedRequest as SlackRequest } from './slack-stand-in.js';

/** A claim's stored state (src/state/claims.ts), as read back from the store. */
export type ClaimRecord =
  | { state: 'done'; holder: string; doneAt: number; record: FinalOutcome }
  | { state: 'held'; holder: string; expiresAt: number };

/** The claim key of (event, channel) in the unscoped store: `state/ENV/claims/…`. */
export const storeClaimKey = (env: string, eventId: string, channel: ChannelName) =>
  `state/${env}/${claimKey(eventId, channel)}`;

export async function readClaim(
  store: StateStore,
  env: string,
  eventId: string,
  channel: ChannelName,
): Promise<ClaimRecord | undefined> {
  const object = await store.read(storeClaimKey(env, eventId, channel));
  return object && (JSON.parse(object.data.toString('utf8')) as ClaimRecord);
}

/**
 * Follows done-records as a run goes: re-reads only what is not final yet (a done mark never
 * changes), so polling 2,000 findings stays cheap.
 */
export class DoneRecords {
  readonly done = new Map<string, ClaimRecord & { state: 'done' }>();
  /** Last non-final state seen, for diagnosis. */
  readonly pending = new Map<string, ClaimRecord | undefined>();

  constructor(
    private readonly store: StateStore,
    private readonly env: string,
    private readonly corpus: readonly CorpusEntry[],
  ) {}

  key = (id: string, channel: ChannelName) => `${id}\n${channel}`;

  outcome(id: string, channel: ChannelName): FinalOutcome | undefined {
    return this.done.get(this.key(id, channel))?.record;
  }

  /** Reads every (event, channel) not yet done; returns how many findings are done on every channel. */
  async refresh(concurrency = 64): Promise<number> {
    const todo: Array<[string, ChannelName]> = [];
    for (const { finding } of this.corpus)
      for (const channel of CHANNELS)
        if (!this.done.has(this.key(finding.id, channel))) todo.push([finding.id, channel]);
    const next = async () => {
      for (let item = todo.pop(); item; item = todo.pop()) {
        const [id, channel] = item;
        const claim = await readClaim(this.store, this.env, id, channel).catch(() => undefined);
        if (claim?.state === 'done') {
          this.done.set(this.key(id, channel), claim);
          this.pending.delete(this.key(id, channel));
        } else this.pending.set(this.key(id, channel), claim);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, next));
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

export async function ledgerOf(store: StateStore, env: string): Promise<LedgerRecord[]> {
  return (await readLedger(store, { env })).records;
}
