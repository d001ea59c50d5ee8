import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import type { Envelope } from './types.js';

export interface StageContext {
  readonly clock: Clock;
  readonly log: Logger;
  /** Aborted when the worker must stop waiting (shutdown bound reached). */
  readonly signal: AbortSignal;
}

/** Every stage has this one signature: a micro-batch in, the same envelopes (enriched) out. */
export type Stage = (batch: Envelope[], ctx: StageContext) => Promise<Envelope[]>;

/** Runs stages in order; the whole order of the relay reads in one call to this (see build.ts). */
export function pipe(...stages: Stage[]): Stage {
  return async (batch, ctx) => {
    let current = batch;
    for (const stage of stages) current = await stage(current, ctx);
    return current;
  };
}
