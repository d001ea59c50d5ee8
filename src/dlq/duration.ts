const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `30m`, `6h`, `7d` (also `45s`) → milliseconds; undefined for anything else, including zero,
 * so a typo can never mean "everything".
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  if (amount === 0) return undefined;
  return amount * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** A compact age: `45s`, `12m`, `3h 5m`, `2d 4h`. Negative ages (clock skew) show as `0s`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}
