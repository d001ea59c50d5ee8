import type { ResolvedModes } from '../policy/decide-channels.js';
import type { RelayState } from '../state/relay-state.js';
import { type EnqueueSettings, enqueueStage } from './enqueue.js';
import { intakeStage } from './intake.js';
import { routeStage, type SilenceSource } from './route.js';
import { type DeadLetterPort, type Settlement, settleStage } from './settle.js';
import { pipe, type Stage } from './stage.js';
import type { Envelope } from './types.js';

export interface PipelineParts {
  modes: ResolvedModes;
  /** The silences in force (applied after the matrix); none when absent. */
  silences?: SilenceSource;
  /** Absent when no channel is active: nothing is ever queued then. */
  state: RelayState | undefined;
  enqueue: EnqueueSettings;
  deadLetter: DeadLetterPort;
  onSettled: (envelope: Envelope, settlement: Settlement) => void;
  redact?: (text: string) => string;
}

/**
 * The intake half of the relay, in one place: a message is acked once each channel is final or
 * durably queued; the dispatchers (src/dispatch) turn queued entries into outcomes at each
 * channel's own pace.
 */
export function buildPipeline(parts: PipelineParts): Stage {
  return pipe(
    intakeStage(),
    routeStage(parts.modes, parts.silences),
    enqueueStage(parts.state, parts.enqueue),
    settleStage(parts.deadLetter, parts.onSettled, parts.redact),
  );
}
