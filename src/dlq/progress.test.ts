import { describe, expect, it } from 'vitest';
import { testIO } from '../cli/test-io.js';
import { purgeChosen, replayChosen } from './actions.js';
import type { DeadLetter } from './dead-letter-record.js';
import { progressLine } from './progress.js';
import type { ScanContext } from './render.js';
import type { HeldScan } from './scan.js';
import { testLetter, validFindingJson } from './test-letters.js';

const ctx: ScanContext = { subscription: 'dead-letters', capped: undefined, cap: 100_000, now: Date.now() };

function heldScan(n: number): HeldScan & { acked: DeadLetter[] } {
  const letters = Array.from({ length: n }, (_, i) =>
    testLetter(validFindingJson(`f-${i}`), { finding_relay_reason: 'permanent-slack' }),
  );
  const acked: DeadLetter[] = [];
  return {
    letters,
    capped: undefined,
    acked,
    ack: async (chosen) => {
      acked.push(...chosen);
    },
    release: async () => 0,
  };
}

const topic = { publishMessage: async () => 'new-id' };
const CLEAR = '\r\u001b[K';

/** What a terminal would show last on the stderr line: the text after the final clear. */
const lastDrawn = (stderr: string) => stderr.split(CLEAR).filter(Boolean).at(-1);

describe('progressLine', () => {
  it('redraws one counting line on a terminal and clears it at the end', () => {
    const written: string[] = [];
    const line = progressLine((t) => written.push(t), 'purge', true);
    line.update(1_000, 4_000);
    line.update(4_000, 4_000);
    line.end();
    expect(written).toEqual([
      `${CLEAR}purge: 1000 of 4000 (25%)`,
      `${CLEAR}purge: 4000 of 4000 (100%)`,
      CLEAR,
    ]);
    expect(written.join('')).not.toContain('\n');
  });

  it('writes nothing when standard error is not a terminal, and clears nothing it did not draw', () => {
    const written: string[] = [];
    const piped = progressLine((t) => written.push(t), 'replay', false);
    piped.update(1, 2);
    piped.end();
    progressLine((t) => written.push(t), 'replay', true).end();
    expect(written).toEqual([]);
  });
});

describe('dlq replay and purge progress, through the command IO', () => {
  it('replay draws a counting line per chunk on a TTY, then the results start on a clean line', async () => {
    const io = testIO({}, { stderrIsTTY: true });
    const scan = heldScan(250);
    const code = await replayChosen(scan, ctx, io.io, topic, {
      filter: {},
      dryRun: false,
      progressTTY: true,
    });
    expect(code).toBe(0);
    const err = io.stderr();
    expect(err).toContain(`${CLEAR}replay: 100 of 250 (40%)`);
    expect(err).toContain(`${CLEAR}replay: 200 of 250 (80%)`);
    expect(err).toContain(`${CLEAR}replay: 250 of 250 (100%)`);
    expect(err.endsWith(CLEAR)).toBe(true);
    expect(lastDrawn(err)).toBe('replay: 250 of 250 (100%)');
    expect(io.stdout()).toContain('replayed 250, refused 0, failed 0\n');
    expect(scan.acked).toHaveLength(250);
  });

  it('purge draws its line on a TTY', async () => {
    const io = testIO({}, { stderrIsTTY: true });
    const scan = heldScan(2_500);
    const code = await purgeChosen(scan, ctx, io.io, async () => true, {
      filter: {},
      dryRun: false,
      yes: true,
      progressTTY: true,
    });
    expect(code).toBe(0);
    expect(io.stderr()).toBe(
      `${CLEAR}purge: 1000 of 2500 (40%)${CLEAR}purge: 2000 of 2500 (80%)${CLEAR}purge: 2500 of 2500 (100%)${CLEAR}`,
    );
    expect(io.stdout()).toBe('purged 2500, failed 0\n');
  });

  it('stays quiet when piped: no progress on stderr for replay or purge', async () => {
    const replay = testIO({});
    expect(
      await replayChosen(heldScan(250), ctx, replay.io, topic, {
        filter: {},
        dryRun: false,
        progressTTY: false,
      }),
    ).toBe(0);
    expect(replay.stderr()).toBe('');
    const purge = testIO({});
    expect(
      await purgeChosen(heldScan(2_500), ctx, purge.io, async () => true, {
        filter: {},
        dryRun: false,
        yes: true,
        progressTTY: false,
      }),
    ).toBe(0);
    expect(purge.stderr()).toBe('');
  });
});
