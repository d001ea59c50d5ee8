import type { DeploymentEnv } from '../../config/types.js';
import type { Clock } from '../../lib/clock.js';
import type { LedgerStorage } from './ledger-storage.js';
import type { LedgerEntry, LedgerRecord, LedgerWriter } from './types.js';

export interface LedgerWriterOptions {
  store: LedgerStorage;
  env: DeploymentEnv;
  /** Distinguishes writers sharing a bucket (worker id); only [A-Za-z0-9-] is kept. */
  holder: string;
  clock: Clock;
  /** How long lines wait to share an object. */
  flushMs?: number;
  /** Lines per object at most. */
  maxLines?: number;
}

interface Pending {
  line: string;
  resolve: (key: string) => void;
  reject: (error: unknown) => void;
}

export function ledgerObjectKey(env: DeploymentEnv, at: Date, holder: string, seq: number): string {
  const iso = at.toISOString();
  const [y, m, d] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const stamp = iso.replace(/[-:]/g, '').replace('.', '');
  return `ledger/${env}/${y}/${m}/${d}/${stamp}-${holder}-${String(seq).padStart(6, '0')}.jsonl`;
}

/** Batches dry-run records into one JSON Lines object per flush (never one object per finding). */
export function createLedgerWriter(opts: LedgerWriterOptions): LedgerWriter {
  const flushMs = opts.flushMs ?? 50;
  const maxLines = opts.maxLines ?? 1000;
  const holder = opts.holder.replace(/[^A-Za-z0-9-]/g, '').slice(0, 40) || 'worker';
  let pending: Pending[] = [];
  let seq = 0;
  let timer: Promise<void> | undefined;

  async function flush(): Promise<void> {
    const lines = pending;
    pending = [];
    if (lines.length === 0) return;
    const key = ledgerObjectKey(opts.env, new Date(opts.clock.now()), holder, seq++);
    try {
      await opts.store.createIfAbsent(key, lines.map((p) => p.line).join(''));
      for (const p of lines) p.resolve(key);
    } catch (error) {
      for (const p of lines) p.reject(error);
    }
  }

  return {
    append(entry: LedgerEntry): Promise<string> {
      const record: LedgerRecord = {
        at: new Date(opts.clock.now()).toISOString(),
        env: opts.env,
        channel: 'github',
        mode: 'DRY_RUN',
        findingId: entry.findingId,
        fingerprint: entry.fingerprint,
        action: entry.action,
        request: entry.request,
      };
      const done = new Promise<string>((resolve, reject) => {
        pending.push({ line: `${JSON.stringify(record)}\n`, resolve, reject });
      });
      if (pending.length >= maxLines) {
        void flush();
      } else if (!timer) {
        timer = opts.clock.sleep(flushMs).then(() => {
          timer = undefined;
          return flush();
        });
      }
      return done;
    },
    flush,
  };
}
