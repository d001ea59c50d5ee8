import type { LedgerStorage } from './ledger-storage.js';
import type { LedgerRecord } from './types.js';

export interface LedgerQuery {
  env?: string;
  /** ISO date or timestamp; records before it are skipped. */
  since?: string;
}

/** Reads ledger records back in key (= time) order; a corrupt line is reported, not fatal. */
export async function readLedger(
  store: LedgerStorage,
  query: LedgerQuery,
): Promise<{ records: LedgerRecord[]; problems: string[] }> {
  const prefix = query.env ? `ledger/${query.env}/` : 'ledger/';
  const since = query.since ? Date.parse(query.since) : undefined;
  const records: LedgerRecord[] = [];
  const problems: string[] = [];
  for (const key of await store.list(prefix)) {
    if (!key.endsWith('.jsonl')) continue;
    const object = await store.read(key);
    if (!object) continue;
    const lines = object.data.toString('utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const record = JSON.parse(line) as LedgerRecord;
        if (since === undefined || Date.parse(record.at) >= since) records.push(record);
      } catch {
        problems.push(`${key}:${i + 1}: not JSON`);
      }
    });
  }
  return { records, problems };
}
