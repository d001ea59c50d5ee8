import { decideChannels, type ResolvedModes } from '../policy/decide-channels.js';
import type { Stage } from './stage.js';

/** The safety matrix decides; channels never re-check flags. Drops get their final outcome here. */
export function routeStage(modes: ResolvedModes): Stage {
  return async (batch) => {
    for (const envelope of batch) {
      if (!envelope.finding) continue;
      for (const [channel, decision] of decideChannels(envelope.finding, modes)) {
        envelope.decisions.set(channel, decision);
        if (decision.do === 'drop')
          envelope.outcomes.set(channel, { kind: 'dropped', reason: decision.reason });
      }
    }
    return batch;
  };
}
