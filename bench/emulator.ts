import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type RunningEmulator,
  resolveEmulatorBinary,
  startEmulatorProcess,
} from '../src/pubsub/emulator-process.js';

/**
 * The bench's own Pub/Sub emulator (never the tests'), on a free loopback port. Its JVM grows
 * under heavy load, so each heavy part restarts it; every start is stopped by its PID, also when
 * the bench dies early.
 */
export interface BenchEmulator {
  readonly host: string;
  readonly pid: number;
  /** Resident memory (MB) and CPU seconds of the emulator's process group so far. */
  usage(): { rssMb: number; cpuS: number };
  stop(): Promise<void>;
}

const running = new Set<RunningEmulator>();
let guarded = false;

function guardExit(): void {
  if (guarded) return;
  guarded = true;
  const killAll = () => {
    for (const emulator of running) {
      try {
        process.kill(-emulator.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

export async function startBenchEmulator(): Promise<BenchEmulator> {
  guardExit();
  const logDir = join(tmpdir(), 'finding-relay-bench');
  mkdirSync(logDir, { recursive: true });
  const emulator = await startEmulatorProcess({
    binary: resolveEmulatorBinary(process.env),
    env: process.env,
    logDir,
  });
  running.add(emulator);
  return {
    host: emulator.host,
    pid: emulator.pid,
    usage: () => processGroupUsage(emulator.pid),
    async stop() {
      await emulator.stop();
      running.delete(emulator);
    },
  };
}

const CLOCK_TICKS = 100; // USER_HZ on Linux
const PAGE_KB = 4;

/** Sums RSS and CPU time over the processes of a group, from /proc (Linux; zeros elsewhere). */
export function processGroupUsage(pgid: number): { rssMb: number; cpuS: number } {
  let rssKb = 0;
  let ticks = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return { rssMb: 0, cpuS: 0 };
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces) start at state (field 3).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue; // field 5: pgrp
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
      rssKb += Number(fields[21]) * PAGE_KB; // rss in pages
    } catch {
      // The process ended while we looked.
    }
  }
  return { rssMb: Math.round(rssKb / 1024), cpuS: ticks / CLOCK_TICKS };
}
