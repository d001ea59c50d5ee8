import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './memory-store.js';
import {
  addSilence,
  deleteEndedSilences,
  expireSilence,
  isActive,
  listSilences,
  type Silence,
} from './silences.js';

const T0 = Date.parse('2026-12-07T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const silence = (id: string, overrides: Partial<Silence> = {}): Silence => ({
  id,
  matchers: ['agent=dep-scanner'],
  reason: 'noisy',
  author: 'ana',
  startsAt: iso(T0),
  endsAt: iso(T0 + 3_600_000),
  createdAt: iso(T0),
  ...overrides,
});

describe('silences in the kv', () => {
  it('adds and lists per environment', async () => {
    const kv = createMemoryStore();
    await addSilence(kv, 'dev', silence('b'));
    await addSilence(kv, 'dev', silence('a', { channel: 'slack' }));
    await addSilence(kv, 'prod', silence('c'));
    expect((await listSilences(kv, 'dev')).map((s) => s.id)).toEqual(['a', 'b']);
    expect((await listSilences(kv, 'dev'))[0]).toEqual(silence('a', { channel: 'slack' }));
    expect((await listSilences(kv, 'prod')).map((s) => s.id)).toEqual(['c']);
    expect(await kv.list('silences/dev/')).toEqual(['silences/dev/a', 'silences/dev/b']);
  });

  it('refuses a second silence with the same id', async () => {
    const kv = createMemoryStore();
    await addSilence(kv, 'dev', silence('a'));
    await expect(addSilence(kv, 'dev', silence('a'))).rejects.toThrow();
  });

  it('expire ends it now and keeps it; a second expire says so', async () => {
    const kv = createMemoryStore();
    await addSilence(kv, 'dev', silence('a'));
    expect(isActive((await listSilences(kv, 'dev'))[0]!, T0 + 10)).toBe(true);
    expect(await expireSilence(kv, 'dev', 'a', T0 + 60_000)).toBe('expired');
    const [ended] = await listSilences(kv, 'dev');
    expect(ended?.endsAt).toBe(iso(T0 + 60_000));
    expect(isActive(ended!, T0 + 60_000)).toBe(false);
    expect(await expireSilence(kv, 'dev', 'a', T0 + 70_000)).toBe('already-ended');
    expect(await expireSilence(kv, 'dev', 'zz', T0)).toBe('not-found');
    expect(await expireSilence(kv, 'dev', '../x', T0)).toBe('not-found');
  });

  it('active only between start and end', () => {
    const s = silence('a');
    expect(isActive(s, T0 - 1)).toBe(false);
    expect(isActive(s, T0)).toBe(true);
    expect(isActive(s, T0 + 3_600_000)).toBe(false);
  });

  it('housekeeping deletes only silences ended longer ago than the retention', async () => {
    const kv = createMemoryStore();
    await addSilence(kv, 'dev', silence('old', { endsAt: iso(T0) }));
    await addSilence(kv, 'dev', silence('recent', { endsAt: iso(T0 + 50_000) }));
    await addSilence(kv, 'dev', silence('live', { endsAt: iso(T0 + 10 * 86_400_000) }));
    expect(await deleteEndedSilences(kv, 'dev', T0 + 100_000, 60_000)).toBe(1);
    expect((await listSilences(kv, 'dev')).map((s) => s.id)).toEqual(['live', 'recent']);
  });

  it('skips an unreadable object instead of failing the list', async () => {
    const kv = createMemoryStore();
    await kv.createIfAbsent('silences/dev/bad', 'not json');
    await addSilence(kv, 'dev', silence('a'));
    expect((await listSilences(kv, 'dev')).map((s) => s.id)).toEqual(['a']);
  });
});
