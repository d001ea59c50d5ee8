import { describe, expect, it } from 'vitest';
import { OutcomesPerMinute } from './outcomes-per-minute.js';

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const min = (n: number) => T0 + n * 60_000;

describe('OutcomesPerMinute', () => {
  it('counts final outcomes and failures per minute, oldest first, for the last hour', () => {
    const rate = new OutcomesPerMinute();
    rate.record(min(0) + 5_000, 'sent');
    rate.record(min(0) + 59_999, 'dry-run');
    rate.record(min(1), 'dropped');
    rate.record(min(1), 'transient');
    rate.record(min(1), 'permanent');
    rate.record(min(1), 'queued');
    const series = rate.series(min(1) + 30_000);
    expect(series).toHaveLength(60);
    expect(series[59]).toEqual({ minuteStart: min(1), done: 1, failed: 2 });
    expect(series[58]).toEqual({ minuteStart: min(0), done: 2, failed: 0 });
    expect(series[0]).toEqual({ minuteStart: min(-58), done: 0, failed: 0 });
  });

  it('forgets minutes older than the window, also when a slot is reused', () => {
    const rate = new OutcomesPerMinute();
    rate.record(min(0), 'sent');
    expect(rate.series(min(59)).at(0)).toEqual({ minuteStart: min(0), done: 1, failed: 0 });
    expect(rate.series(min(60)).every((m) => m.done === 0)).toBe(true);
    rate.record(min(60), 'sent'); // same slot as minute 0
    expect(rate.series(min(60)).at(-1)).toEqual({ minuteStart: min(60), done: 1, failed: 0 });
    expect(rate.series(min(60)).reduce((s, m) => s + m.done, 0)).toBe(1);
  });
});
