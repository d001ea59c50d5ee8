import type { ChannelName, ChannelSink } from '../channels/types.js';
import type { ResolvedModes } from '../policy/decide-channels.js';
import { dedupeStage } from './dedupe.js';
import { deliverStage } from './deliver.js';
import { intakeStage } from './intake.js';
import { recordChannel, recordStage } from './record.js';
import { routeStage } from './route.js';
import { type DeadLetterPort, type Settlement, settleStage } from './settle.js';
import type { ClaimsPort, FingerprintWindowPort } from './side-effect-claims.js';
import { pipe, type Stage } from './stage.js';
import type { Envelope } from './types.js';

export interface PipelineParts {
  modes: ResolvedModes;
  claims: ClaimsPort;
  fingerprintWindow: FingerprintWindowPort | undefined;
  sinks: ReadonlyMap<ChannelName, ChannelSink>;
  deadLetter: DeadLetterPort;
  onSettled: (envelope: Envelope, settlement: Settlement) => void;
  redact?: (text: string) => string;
}

/** The whole order of the relay, in one place. */
export function buildPipeline(parts: PipelineParts): Stage {
  return pipe(
    intakeStage(),
    routeStage(parts.modes),
    dedupeStage(parts.claims, parts.fingerprintWindow),
    // Each channel's claims are recorded as soon as its own outcomes are in (see recordChannel).
    deliverStage(parts.sinks, recordChannel(parts.claims, parts.fingerprintWindow)),
    recordStage(parts.claims, parts.fingerprintWindow),
    settleStage(parts.deadLetter, parts.onSettled, parts.redact),
  );
}
