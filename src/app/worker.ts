import type { PubSub } from '@google-cloud/pubsub';
import type { Logger } from 'pino';
import type { Config } from '../config/types.js';
import type { Clock } from '../lib/clock.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { RecentOutcomes } from '../observability/recent-outcomes.js';
import { buildPipeline } from '../pipeline/build.js';
import type { EnqueueSettings } from '../pipeline/enqueue.js';
import { MicroBatcher } from '../pipeline/micro-batcher.js';
import type { SilenceSource } from '../pipeline/route.js';
import type { DeadLetterPort, Settlement } from '../pipeline/settle.js';
import type { Envelope, InboundMessage } from '../pipeline/types.js';
import type { ResolvedModes } from '../policy/decide-channels.js';
import { openSubscriber } from '../pubsub/subscriber.js';
import type { RelayState } from '../state/relay-state.js';
import { recordSettlement } from './settlement-report.js';

export interface WorkerParts {
  config: Config;
  log: Logger;
  clock: Clock;
  pubsub: PubSub;
  modes: ResolvedModes;
  /** The silences in force (the SilenceCache); none when absent. */
  silences?: SilenceSource;
  state: RelayState | undefined;
  enqueue: EnqueueSettings;
  /** Publishes to the dead-letter topic (and counts it). */
  deadLetter: DeadLetterPort;
  metrics: RelayMetrics;
  outcomes: RecentOutcomes;
  redact: (text: string) => string;
  /** Flow control: messages and bytes in hand at most. */
  maxMessages?: number;
  maxBytes?: number;
  /** How long stop() lets in-flight work finish before nacking what is left. */
  drainTimeoutMs?: number;
  /** Called once per settled message (after metrics): `npm run dev` prints from here. */
  onSettled?: (envelope: Envelope, settlement: Settlement) => void;
}

export interface RunningRelay {
  /** Stops pulling, commits what is in hand (bounded), settles every message, closes the subscriber. */
  stop(): Promise<void>;
  /** Rejects when the subscription fails in a way the client cannot recover from. */
  readonly failed: Promise<never>;
  readonly state: () => 'running' | 'draining' | 'stopped';
  readonly inHand: () => number;
}

/** The intake loop: subscriber → micro-batches → the pipeline (ack once durable); owns lifecycle and draining. */
export function startRelay(parts: WorkerParts): RunningRelay {
  const { config, log, clock, metrics } = parts;
  const shutdown = new AbortController();
  const pipeline = buildPipeline({
    modes: parts.modes,
    ...(parts.silences ? { silences: parts.silences } : {}),
    state: parts.state,
    enqueue: parts.enqueue,
    deadLetter: parts.deadLetter,
    onSettled: (envelope, settlement) => {
      recordSettlement(envelope, settlement, {
        metrics,
        outcomes: parts.outcomes,
        log,
        clock,
        tracing: config.tracing,
      });
      parts.onSettled?.(envelope, settlement);
    },
    redact: parts.redact,
  });
  const inFlight = new Set<Promise<unknown>>();
  let refusedWhileDraining = 0;
  let state: 'running' | 'draining' | 'stopped' = 'running';
  let rejectFailed: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    rejectFailed = reject;
  });
  failed.catch(() => undefined);

  const batcher = new MicroBatcher<InboundMessage>({ maxWaitMs: 5, maxSize: 500, clock }, (messages) => {
    const batch: Envelope[] = messages.map((message) => ({
      message,
      receivedAt: clock.now(),
      decisions: new Map(),
      outcomes: new Map(),
    }));
    const run = pipeline(batch, { clock, log, signal: shutdown.signal }).catch((error: unknown) => {
      // A stage bug must not strand messages: give them back to Pub/Sub.
      // An Error keeps its stack (stack_trace, for Error Reporting); the logger redacts the line.
      log.error(
        { err: error instanceof Error ? error : parts.redact(String(error)) },
        'pipeline failed; nacking its batch',
      );
      for (const e of batch) e.message.nack();
    });
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  });

  const subscriber = openSubscriber(
    parts.pubsub,
    config.pubsub.findingsSubscription,
    {
      maxMessages: parts.maxMessages ?? 1000,
      maxBytes: parts.maxBytes ?? 64 * 1024 * 1024,
      closeTimeoutMs: parts.drainTimeoutMs ?? 8_000,
    },
    (message) => {
      metrics.received.inc();
      if (state !== 'running') {
        refusedWhileDraining += 1;
        return message.nack();
      }
      batcher.add(message);
    },
    (error) => {
      log.error({ err: error }, 'subscription failed');
      rejectFailed(error);
    },
  );

  let stopping: Promise<void> | undefined;
  return {
    failed,
    state: () => state,
    inHand: () => subscriber.inHand(),
    stop() {
      stopping ??= (async () => {
        state = 'draining';
        log.info({ inHand: subscriber.inHand() }, 'draining');
        // Stop the stream first: while it stays open, each message refused during the drain comes
        // straight back, is refused again and burns its delivery attempts into the dead-letter topic.
        // close() waits (bounded) for the messages in hand to be settled, then nacks the rest.
        const closed = subscriber.close();
        batcher.flush();
        // One bound for the pipelines in flight (a state transaction each, normally milliseconds);
        // past it, a batch waiting for the store stops waiting and is nacked.
        const boundTimer = new AbortController();
        const bound = clock
          .sleep(parts.drainTimeoutMs ?? 8_000, boundTimer.signal)
          .then(() => shutdown.abort(new Error('drain bound')))
          .catch(() => undefined);
        await Promise.race([Promise.all(inFlight), bound]);
        boundTimer.abort();
        await closed;
        state = 'stopped';
        log.info({ refusedWhileDraining }, 'stopped');
      })();
      return stopping;
    },
  };
}
