import { decideRouted, type ResolvedModes } from '../policy/decide-channels.js';
import { matchableFinding } from '../policy/matchers.js';
import { applySilences, type SilenceRule } from '../policy/silence-decisions.js';
import type { Stage } from './stage.js';

/** The silences in force, read from memory (the worker's SilenceCache); none when absent. */
export type SilenceSource = () => readonly SilenceRule[];

/**
 * Routes pick each channel's webhook or repo, the safety matrix decides; channels never re-check
 * flags. Silences apply after it and only remove deliveries (`drop: silenced`, with the silence
 * id). Drops get their final outcome here (with the route that decided, if any).
 */
export function routeStage(modes: ResolvedModes, silences?: SilenceSource): Stage {
  return async (batch, ctx) => {
    const rules = silences?.() ?? [];
    const now = ctx.clock.now();
    for (const envelope of batch) {
      if (!envelope.finding) continue;
      const matrix = decideRouted(envelope.finding, modes).decisions;
      const decisions =
        rules.length === 0 ? matrix : applySilences(matrix, matchableFinding(envelope.finding), rules, now);
      for (const [channel, decision] of decisions) {
        envelope.decisions.set(channel, decision);
        if (decision.do === 'drop')
          envelope.outcomes.set(channel, {
            kind: 'dropped',
            reason: decision.reason,
            ...(decision.silenceId === undefined ? {} : { silenceId: decision.silenceId }),
            ...(decision.route === undefined ? {} : { route: decision.route }),
          });
      }
    }
    return batch;
  };
}
