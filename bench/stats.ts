/** Small statistics for bench figures. */

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function spread(values: readonly number[]): Spread {
  return {
    median: median(values),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  return sortedAscending[Math.min(sortedAscending.length - 1, Math.max(0, rank - 1))]!;
}

/** Rounds to `digits` decimals (figures in the JSON stay readable). */
export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** At most `points` items, evenly spaced, always keeping the first, the last and the maximum of `key`. */
export function downsample<T>(items: readonly T[], points: number, key: (item: T) => number): T[] {
  if (items.length <= points) return [...items];
  const step = (items.length - 1) / (points - 1);
  const picked = new Set<number>();
  for (let i = 0; i < points; i++) picked.add(Math.round(i * step));
  let peak = 0;
  items.forEach((item, i) => {
    if (key(item) > key(items[peak]!)) peak = i;
  });
  picked.add(peak);
  return [...picked].sort((a, b) => a - b).map((i) => items[i]!);
}
