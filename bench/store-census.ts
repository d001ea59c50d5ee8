import { readLedger } from '../src/channels/ledger/ledger-reader.js';
import { createFileStore } from '../src/state/file-store.js';

/** What a run left in its file state store. */
export interface StoreCensus {
  /** JSON Lines objects of the dry-run ledger. */
  readonly ledgerObjects: number;
  /** Ledger records (one per would-be GitHub request), by action. */
  readonly ledgerRecords: { total: number; createIssue: number; commentIssue: number };
  /** Objects the relay keeps as state: claims, fingerprint windows, the GitHub issue index. */
  readonly stateObjects: { claims: number; fingerprints: number; issueIndex: number; other: number };
}

export async function takeStoreCensus(storeDir: string): Promise<StoreCensus> {
  // The store's own listing: it leaves out deleted keys (kept as tombstones) and its own files.
  const store = createFileStore(storeDir);
  const keys = await store.list('');
  const stateObjects = { claims: 0, fingerprints: 0, issueIndex: 0, other: 0 };
  let ledgerObjects = 0;
  for (const key of keys) {
    if (key.startsWith('ledger/')) ledgerObjects++;
    else if (/^state\/[^/]+\/claims\//.test(key)) stateObjects.claims++;
    else if (/^state\/[^/]+\/fingerprints\//.test(key)) stateObjects.fingerprints++;
    else if (/^state\/[^/]+\/github\/issue-index\//.test(key)) stateObjects.issueIndex++;
    else stateObjects.other++;
  }
  const { records } = await readLedger(store, {});
  const createIssue = records.filter((r) => r.action === 'create-issue').length;
  return {
    ledgerObjects,
    ledgerRecords: { total: records.length, createIssue, commentIssue: records.length - createIssue },
    stateObjects,
  };
}
