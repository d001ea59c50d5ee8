import type { BenchOptions } from './args.js';
import type { CorpusSummary } from './corpus.js';
import type { BacklogFigures } from './parts/backlog.js';
import type { CeilingFigures } from './parts/ceiling.js';
import type { LatencyFigures } from './parts/latency.js';
import type { OutboundFigures } from './parts/outbound.js';
import type { ProfileSummary } from './profile-summary.js';

/** bench/results/latest.json */
export interface BenchResults {
  readonly meta: {
    readonly startedAt: string;
    readonly durationS: number;
    readonly options: BenchOptions;
    readonly machine: {
      cpus: number;
      cpuModel: string;
      memoryGb: number;
      /** 1-minute load average at start and end: the machine is shared, compare ratios within a run. */
      loadAverage: { start: number; end: number };
    };
    readonly node: string;
    readonly commit?: string;
    /** How the consumers ran. */
    readonly consumers: string;
    /** The emulator after each part (it is restarted between parts in a full run). */
    readonly emulator: Array<{ part: string; rssMb: number; cpuS: number }>;
    /** `--state firestore`: the Firestore emulator of the run. */
    readonly firestoreEmulator?: FirestoreEmulatorLog;
  };
  readonly corpus?: CorpusSummary;
  readonly ceiling?: CeilingFigures;
  readonly latency?: LatencyFigures;
  readonly backlog?: BacklogFigures & { corpus: CorpusSummary };
  readonly outbound?: OutboundFigures;
  readonly profile?: ProfileSummary & { file: string };
  /** Issue 14's targets against this run's figures (reported, never asserted). */
  readonly targets: Target[];
}

export interface FirestoreEmulatorLog {
  readonly host: string;
  /** false: FIRESTORE_EMULATOR_HOST named one started elsewhere (its usage is then unknown, 0). */
  readonly startedByBench: boolean;
  readonly pid?: number;
  /** Its process group's memory and CPU seconds at the end of the run. */
  readonly usage?: { rssMb: number; cpuS: number };
}

export interface Target {
  readonly name: string;
  readonly value: number;
  readonly op: '≥' | '≤';
  readonly target: number;
  readonly met: boolean;
}
