import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../lib/test-clock.js';
import { createMemoryStore } from '../state/memory-store.js';
import { addSilence, expireSilence, type Silence } from '../state/silences.js';
import { StoreUnavailableError } from '../state/store.js';
import { SilenceCache } from './silence-cache.js';

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

function recordingLog() {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe('SilenceCache', () => {
  it('reads at start, then picks up new and expired silences within one refresh', async () => {
    const kv = createMemoryStore();
    const { clock, advance } = manualClock(T0);
    await addSilence(kv, 'dev', silence('a'));
    await addSilence(kv, 'prod', silence('other-env'));
    const cache = new SilenceCache({
      kv,
      env: 'dev',
      clock,
      log: pino({ level: 'silent' }),
      refreshMs: 2000,
    });
    await cache.start();
    expect(cache.rules().map((r) => r.id)).toEqual(['a']);
    await addSilence(kv, 'dev', silence('b', { channel: 'slack' }));
    await advance(1999);
    expect(cache.rules()).toHaveLength(1);
    await advance(1);
    expect(cache.rules().map((r) => [r.id, r.channel])).toEqual([
      ['a', undefined],
      ['b', 'slack'],
    ]);
    await expireSilence(kv, 'dev', 'a', clock.now());
    await advance(2000);
    expect(cache.rules().map((r) => r.id)).toEqual(['b']);
    expect(cache.silences().map((s) => s.id)).toEqual(['b']);
    await cache.stop();
  });

  it('a failed refresh keeps the last known set and logs once until it recovers', async () => {
    const kv = createMemoryStore();
    const { clock, advance } = manualClock(T0);
    await addSilence(kv, 'dev', silence('a'));
    let down = false;
    const flaky = {
      ...kv,
      location: kv.location,
      list: (prefix: string) =>
        down ? Promise.reject(new StoreUnavailableError('store down')) : kv.list(prefix),
    };
    const { log, lines } = recordingLog();
    const cache = new SilenceCache({ kv: flaky, env: 'dev', clock, log, refreshMs: 1000 });
    await cache.start();
    down = true;
    await advance(5000);
    expect(cache.rules().map((r) => r.id)).toEqual(['a']);
    expect(lines.filter((l) => l.msg.includes('could not be read'))).toHaveLength(1);
    down = false;
    await advance(1000);
    expect(lines.filter((l) => l.msg === 'silences read again')).toHaveLength(1);
    await cache.stop();
  });

  it('ignores (and names once) a stored silence whose matchers do not parse', async () => {
    const kv = createMemoryStore();
    const { clock, advance } = manualClock(T0);
    await addSilence(kv, 'dev', silence('bad', { matchers: ['team=x'] }));
    await addSilence(kv, 'dev', silence('good'));
    const { log, lines } = recordingLog();
    const cache = new SilenceCache({ kv, env: 'dev', clock, log, refreshMs: 1000 });
    await cache.start();
    await advance(3000);
    expect(cache.rules().map((r) => r.id)).toEqual(['good']);
    expect(lines.filter((l) => l.msg.includes('bad matchers'))).toHaveLength(1);
    await cache.stop();
  });
});
