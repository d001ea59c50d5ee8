import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import type { SilenceRule } from '../policy/silence-decisions.js';
import { listSilences, type Silence, silenceRuleOf } from '../state/silences.js';
import type { StateStore } from '../state/store.js';

/** Every worker reads the silences this often, so a new or expired one is honoured within 5 s. */
export const SILENCE_REFRESH_MS = 2_000;

export interface SilenceCacheDeps {
  readonly kv: StateStore;
  /** The deployment environment whose silences apply. */
  readonly env: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly refreshMs?: number;
}

/**
 * The environment's silences, read from the state's kv every ≤ 2 s. Routing and dispatchers read
 * `rules()` from memory (no store call per finding); each rule carries its own window, so a
 * silence ends on time between refreshes. A failed refresh keeps the last known set and logs once
 * until a refresh succeeds again.
 */
export class SilenceCache {
  #silences: readonly Silence[] = [];
  #rules: readonly SilenceRule[] = [];
  #failing = false;
  readonly #badIds = new Set<string>();
  readonly #stopping = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(private readonly deps: SilenceCacheDeps) {}

  /** Silences not yet ended (active or pending), as stored. */
  silences(): readonly Silence[] {
    return this.#silences;
  }

  rules(): readonly SilenceRule[] {
    return this.#rules;
  }

  /** Reads the silences once; never throws (a failure keeps the last known set). */
  async refresh(): Promise<void> {
    const { kv, env, clock, log } = this.deps;
    let all: Silence[];
    try {
      all = await listSilences(kv, env);
    } catch (error) {
      if (!this.#failing) {
        log.warn(
          { err: error instanceof Error ? error.message : String(error), silences: this.#rules.length },
          'silences could not be read; keeping the last known set',
        );
      }
      this.#failing = true;
      return;
    }
    if (this.#failing) log.info('silences read again');
    this.#failing = false;
    const now = clock.now();
    const current = all.filter((s) => Date.parse(s.endsAt) > now);
    const rules: SilenceRule[] = [];
    for (const s of current) {
      const parsed = silenceRuleOf(s);
      if ('problems' in parsed) {
        if (!this.#badIds.has(s.id))
          log.warn({ silenceId: s.id, problems: parsed.problems }, 'silence ignored: bad matchers');
        this.#badIds.add(s.id);
        continue;
      }
      rules.push(parsed.rule);
    }
    this.#silences = current;
    this.#rules = rules;
  }

  /** Reads once (so silences apply from the first message), then every refreshMs until stop(). */
  async start(): Promise<void> {
    await this.refresh();
    const every = this.deps.refreshMs ?? SILENCE_REFRESH_MS;
    const signal = this.#stopping.signal;
    this.#loop = (async () => {
      while (!signal.aborted) {
        await this.deps.clock.sleep(every, signal).catch(() => undefined);
        if (signal.aborted) return;
        await this.refresh();
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#loop;
  }
}
