import { Duration, type Message, type PubSub, SubscriptionCloseBehaviors } from '@google-cloud/pubsub';
import type { InboundMessage } from '../pipeline/types.js';

export interface SubscriberOptions {
  /** Messages in hand at most (client flow control, no excess). Keep ≥ 1000: slots free only after the ack RPC. */
  readonly maxMessages: number;
  /** Bytes of message data in hand at most. */
  readonly maxBytes: number;
  /** How long acks/nacks are batched before their RPC. Default 10 ms (100 ms halves throughput). */
  readonly ackBatchMaxMilliseconds?: number;
  /** How long the client keeps extending a message's lease. Default 60 minutes (the client's). */
  readonly maxExtensionMinutes?: number;
  /**
   * Bound of close(): how long it waits for messages in hand to be settled before nacking the
   * rest. Default 8 s (Cloud Run allows 10 s after SIGTERM).
   */
  readonly closeTimeoutMs?: number;
  /**
   * The ack deadline the client asks for, fixed (its min and max). Messages the server streamed but
   * the client never took in (flow control) are only redelivered when it expires, so after a crash
   * or a drain they come back within this bound instead of minutes later. Messages in hand keep
   * their leases extended. Default 60 s.
   *
   * Fixed rather than adapting from the client's 10 s floor: the client renews leases every
   * (0.9 × deadline − p99 modAck latency) × random, and once that latency passes 0.9 × deadline
   * (a busy worker, a slow server) it renews every 1 ms forever — measured with a 10,000-message
   * backlog: ~326,000 modAck calls left pending, worker RSS 2.5 GB, emulator 325 CPU s. At 60 s:
   * 520 MB, 7 CPU s (bench/README.md).
   */
  readonly maxAckDeadlineSeconds?: number;
}

export interface OpenSubscriber {
  /** Stops pulling, waits (bounded) until every message in hand is settled, nacks the rest, flushes ack/nack RPCs. */
  close(): Promise<void>;
  /** Messages handed to onMessage and not yet acked or nacked. */
  inHand(): number;
  readonly isOpen: boolean;
}

/**
 * Streaming pull on one subscription, each message adapted to an InboundMessage whose ack/nack
 * settle it exactly once (later calls are no-ops). The client extends leases while a message is
 * in hand. Stream errors the client could not recover from go to onError.
 */
export function openSubscriber(
  pubsub: PubSub,
  subscriptionName: string,
  options: SubscriberOptions,
  onMessage: (message: InboundMessage) => void,
  onError: (error: Error) => void,
): OpenSubscriber {
  const subscription = pubsub.subscription(subscriptionName, {
    flowControl: { maxMessages: options.maxMessages, maxBytes: options.maxBytes, allowExcessMessages: false },
    batching: { maxMilliseconds: options.ackBatchMaxMilliseconds ?? 10 },
    maxExtensionTime: Duration.from({ minutes: options.maxExtensionMinutes ?? 60 }),
    minAckDeadline: Duration.from({ seconds: options.maxAckDeadlineSeconds ?? 60 }),
    maxAckDeadline: Duration.from({ seconds: options.maxAckDeadlineSeconds ?? 60 }),
    closeOptions: {
      behavior: SubscriptionCloseBehaviors.WaitForProcessing,
      timeout: Duration.from({ milliseconds: options.closeTimeoutMs ?? 8_000 }),
    },
  });
  let inHand = 0;
  let closing = false;
  let closed: Promise<void> | undefined;

  subscription.on('message', (message: Message) => {
    // Dispatched just as close() began: it never reached the pipeline, give it back at once.
    if (closing) return message.nack();
    inHand++;
    onMessage(
      toInboundMessage(message, () => {
        inHand--;
      }),
    );
  });
  subscription.on('error', (error: Error) => onError(error));

  return {
    close() {
      closing = true;
      closed ??= subscription.close();
      return closed;
    },
    inHand: () => inHand,
    get isOpen() {
      return !closing && subscription.isOpen;
    },
  };
}

/** Adapts the client's Message; `onSettled` runs once, on the first ack or nack. */
export function toInboundMessage(message: Message, onSettled: () => void): InboundMessage {
  let settled = false;
  const settle = (action: () => void) => {
    if (settled) return;
    settled = true;
    action();
    onSettled();
  };
  return {
    id: message.id,
    data: message.data,
    attributes: message.attributes ?? {},
    deliveryAttempt: message.deliveryAttempt || 0,
    publishTime: new Date(message.publishTime.getTime()),
    ack: () => settle(() => message.ack()),
    nack: () => settle(() => message.nack()),
  };
}
