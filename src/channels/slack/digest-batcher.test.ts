import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../lib/clock.js';
import { flushMicrotasks as flush, manualClock } from '../../lib/test-clock.js';
import { BatcherClosedError, DigestBatcher } from './digest-batcher.js';

/** A send that records each digest and answers when the test releases it. */
function recordingSend() {
  const digests: { items: string[]; at: number; signal: AbortSignal; release: (r: string) => void }[] = [];
  let clockNow = () => 0;
  const send = (items: readonly string[], signal: AbortSignal) =>
    new Promise<string>((release) => digests.push({ items: [...items], at: clockNow(), signal, release }));
  return { digests, send, setClock: (c: Clock) => (clockNow = c.now) };
}

function setup(windowMs: number) {
  const { clock, advance } = manualClock();
  const rec = recordingSend();
  rec.setClock(clock);
  const batcher = new DigestBatcher<string, string>({ windowMs, clock, send: rec.send });
  return { clock, advance, batcher, digests: rec.digests };
}

describe('DigestBatcher', () => {
  it('gathers items over the window, counted from its first item', async () => {
    const { advance, batcher, digests } = setup(5_000);
    const a = batcher.add(['a1', 'a2']);
    await advance(4_000);
    const b = batcher.add(['b']);
    await advance(999);
    expect(digests).toHaveLength(0);
    await advance(1);
    expect(digests.map((d) => [d.items, d.at])).toEqual([[['a1', 'a2', 'b'], 5_000]]);
    digests[0]!.release('result-1');
    await expect(a).resolves.toBe('result-1');
    await expect(b).resolves.toBe('result-1');

    const c = batcher.add(['c']);
    await advance(5_000);
    expect(digests.map((d) => d.items)).toEqual([['a1', 'a2', 'b'], ['c']]);
    digests[1]!.release('result-2');
    await expect(c).resolves.toBe('result-2');
  });

  it('with windowMs 0 sends at once, still batching the same tick', async () => {
    const { batcher, digests } = setup(0);
    const results = [batcher.add(['x']), batcher.add(['y'])];
    await flush();
    expect(digests.map((d) => d.items)).toEqual([['x', 'y']]);
    digests[0]!.release('r');
    await expect(Promise.all(results)).resolves.toEqual(['r', 'r']);
  });

  it('merges windows that closed while a digest was still being sent', async () => {
    const { advance, batcher, digests } = setup(1_000);
    const first = batcher.add(['1']);
    await advance(1_000);
    expect(digests).toHaveLength(1);
    const second = batcher.add(['2']);
    await advance(1_000);
    const third = batcher.add(['3']);
    await advance(1_000);
    expect(digests).toHaveLength(1); // the first is still on its way
    digests[0]!.release('one');
    await flush();
    expect(digests.map((d) => d.items)).toEqual([['1'], ['2', '3']]);
    digests[1]!.release('two');
    await expect(Promise.all([first, second, third])).resolves.toEqual(['one', 'two', 'two']);
  });

  it('close() sends the open window now, waits for it, and refuses later items', async () => {
    const { batcher, digests } = setup(60_000);
    const pending = batcher.add(['late']);
    const closing = batcher.close();
    await flush();
    expect(digests.map((d) => d.items)).toEqual([['late']]);
    let closed = false;
    void closing.then(() => {
      closed = true;
    });
    await flush();
    expect(closed).toBe(false);
    digests[0]!.release('flushed');
    await closing;
    await expect(pending).resolves.toBe('flushed');
    await expect(batcher.add(['after'])).rejects.toBeInstanceOf(BatcherClosedError);
  });

  it("a caller's abort ends the window early and reaches the send", async () => {
    const { batcher, digests } = setup(60_000);
    const controller = new AbortController();
    void batcher.add(['a'], controller.signal);
    void batcher.add(['b']);
    controller.abort();
    await flush();
    expect(digests.map((d) => d.items)).toEqual([['a', 'b']]);
    expect(digests[0]!.signal.aborted).toBe(true);
  });

  it('rejects the callers of a digest whose send threw', async () => {
    const { clock } = manualClock();
    const batcher = new DigestBatcher<string, string>({
      windowMs: 0,
      clock,
      send: async () => {
        throw new Error('boom');
      },
    });
    await expect(batcher.add(['x'])).rejects.toThrow('boom');
  });

  it('does not pile abort listeners on a shared signal', async () => {
    const { advance, batcher, digests } = setup(100);
    const shared = new AbortController().signal;
    for (let i = 0; i < 30; i++) {
      void batcher.add([`i${i}`], shared);
      await advance(100);
      digests.at(-1)?.release('ok');
    }
    await flush();
    expect(getEventListeners(shared, 'abort').length).toBeLessThanOrEqual(1);
  });
});
