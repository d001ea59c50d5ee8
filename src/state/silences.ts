import type { ChannelName } from '../channels/types.js';
import { parseMatchers } from '../policy/matchers.js';
import { type SilenceRule, silenceRule } from '../policy/silence-decisions.js';
import { PreconditionFailedError, type StateStore } from './store.js';

/**
 * Silences live in the state's key/value store (`kv`), so every backend has them with no backend
 * change: one object per silence under `silences/<env>/<id>`, JSON. Times are ISO 8601 (UTC).
 * Expiring sets `endsAt` to now (compare-and-swap); an ended silence stays for `list --all`
 * until housekeeping deletes it `SILENCE_RETENTION_MS` after its end.
 */
export interface Silence {
  readonly id: string;
  /** As the operator wrote them, normalised by formatMatcher. */
  readonly matchers: readonly string[];
  /** Only this channel; absent: both. */
  readonly channel?: ChannelName;
  readonly reason: string;
  readonly author: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdAt: string;
}

/** An ended silence is deleted this long after its end (a month: `list --all` shows recent history). */
export const SILENCE_RETENTION_MS = 30 * 24 * 3600 * 1000;

const prefixOf = (env: string) => `silences/${env}/`;
const keyOf = (env: string, id: string) => `${prefixOf(env)}${id}`;
const ID = /^[A-Za-z0-9-]{1,64}$/;

export function isSilenceId(id: string): boolean {
  return ID.test(id);
}

export function isActive(silence: Silence, now: number): boolean {
  return Date.parse(silence.startsAt) <= now && now < Date.parse(silence.endsAt);
}

/** The stored silence as a rule ready to test findings, or the problems of matchers that no longer parse. */
export function silenceRuleOf(silence: Silence): { rule: SilenceRule } | { problems: string[] } {
  const { matchers, problems } = parseMatchers(silence.matchers);
  if (problems.length > 0) return { problems };
  return {
    rule: silenceRule({
      id: silence.id,
      channel: silence.channel,
      startsAt: Date.parse(silence.startsAt),
      endsAt: Date.parse(silence.endsAt),
      matchers,
    }),
  };
}

export async function addSilence(kv: StateStore, env: string, silence: Silence): Promise<Silence> {
  if (!isSilenceId(silence.id)) throw new TypeError(`invalid silence id "${silence.id}"`);
  await kv.createIfAbsent(keyOf(env, silence.id), JSON.stringify(silence));
  return silence;
}

function readSilence(data: Buffer): Silence | undefined {
  try {
    const value = JSON.parse(data.toString('utf8')) as Partial<Silence>;
    if (
      typeof value.id !== 'string' ||
      !Array.isArray(value.matchers) ||
      typeof value.startsAt !== 'string' ||
      typeof value.endsAt !== 'string'
    ) {
      return undefined;
    }
    return value as Silence;
  } catch {
    return undefined;
  }
}

/** Every stored silence of the environment (active, pending and ended), ordered by start then id. */
export async function listSilences(kv: StateStore, env: string): Promise<Silence[]> {
  const keys = await kv.list(prefixOf(env));
  const objects = await Promise.all(keys.map((key) => kv.read(key)));
  const silences = objects.flatMap((o) => {
    const s = o ? readSilence(o.data) : undefined;
    return s ? [s] : [];
  });
  return silences.sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.id.localeCompare(b.id));
}

export type ExpireResult = 'expired' | 'already-ended' | 'not-found';

/** Ends a silence now (compare-and-swap; a concurrent change is read again and retried). */
export async function expireSilence(
  kv: StateStore,
  env: string,
  id: string,
  now: number,
): Promise<ExpireResult> {
  if (!isSilenceId(id)) return 'not-found';
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const stored = await kv.read(keyOf(env, id));
    const silence = stored ? readSilence(stored.data) : undefined;
    if (!stored || !silence) return 'not-found';
    if (Date.parse(silence.endsAt) <= now) return 'already-ended';
    const ended: Silence = { ...silence, endsAt: new Date(now).toISOString() };
    try {
      await kv.compareAndSwap(stored.key, stored.generation, JSON.stringify(ended));
      return 'expired';
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
  throw new Error(`silence ${id} kept changing; try again`);
}

/** Housekeeping: deletes silences that ended more than `retentionMs` ago. Returns how many. */
export async function deleteEndedSilences(
  kv: StateStore,
  env: string,
  now: number,
  retentionMs = SILENCE_RETENTION_MS,
): Promise<number> {
  let removed = 0;
  for (const key of await kv.list(prefixOf(env))) {
    const stored = await kv.read(key);
    const silence = stored ? readSilence(stored.data) : undefined;
    if (!stored || !silence || Date.parse(silence.endsAt) + retentionMs > now) continue;
    await kv.delete(key, stored.generation).catch((error: unknown) => {
      if (!(error instanceof PreconditionFailedError)) throw error;
    });
    removed += 1;
  }
  return removed;
}
