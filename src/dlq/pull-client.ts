import { type PubSub, type protos, v1 } from '@google-cloud/pubsub';

/** One message as a synchronous pull returns it, normalised. */
export interface PulledMessage {
  readonly ackId: string;
  readonly messageId: string;
  readonly publishTime: Date;
  readonly data: Buffer;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * Synchronous pull on one subscription: what `dlq` needs to read a backlog without consuming it
 * (pull, hold, give back with deadline 0) and to remove chosen messages (ack).
 */
export interface DeadLetterPuller {
  /** `projects/P/subscriptions/S`. */
  readonly subscription: string;
  /**
   * Up to `maxMessages`. `waitMs` 0 answers at once (possibly empty); otherwise the server may
   * wait up to `waitMs` for a message, and "nothing within the wait" resolves with [].
   */
  pull(maxMessages: number, waitMs: number): Promise<PulledMessage[]>;
  modifyAckDeadline(ackIds: readonly string[], seconds: number): Promise<void>;
  acknowledge(ackIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** Ack ids per request: well inside Pub/Sub's 512 KB request limit for ids of a few hundred bytes. */
const ACK_IDS_PER_REQUEST = 1_000;
const DEADLINE_EXCEEDED = 4;

/**
 * Opens a GAPIC subscriber client with the PubSub client's own settings (project, endpoint and,
 * against an emulator, plaintext credentials) — the public way, `getClientConfig()`, so no
 * gRPC import is needed here.
 */
export async function openDeadLetterPuller(
  pubsub: PubSub,
  subscriptionName: string,
): Promise<DeadLetterPuller> {
  const config = await pubsub.getClientConfig();
  // The same cast the PubSub client makes for its own GAPIC clients (ClientConfig omits `port`).
  const client = new v1.SubscriberClient(config as ConstructorParameters<typeof v1.SubscriberClient>[0]);
  const subscription = subscriptionName.startsWith('projects/')
    ? subscriptionName
    : client.subscriptionPath(config.projectId ?? pubsub.projectId, subscriptionName);

  async function inChunks(ackIds: readonly string[], send: (chunk: string[]) => Promise<unknown>) {
    for (let start = 0; start < ackIds.length; start += ACK_IDS_PER_REQUEST) {
      await send(ackIds.slice(start, start + ACK_IDS_PER_REQUEST));
    }
  }

  return {
    subscription,
    async pull(maxMessages, waitMs) {
      try {
        const [response] = await client.pull(
          { subscription, maxMessages, returnImmediately: waitMs === 0 },
          waitMs === 0 ? {} : { timeout: waitMs, retry: null },
        );
        return (response.receivedMessages ?? []).flatMap((received) => {
          const message = toPulledMessage(received);
          return message ? [message] : [];
        });
      } catch (error) {
        if (waitMs > 0 && (error as { code?: unknown } | null)?.code === DEADLINE_EXCEEDED) return [];
        throw error;
      }
    },
    modifyAckDeadline: (ackIds, seconds) =>
      inChunks(ackIds, (chunk) =>
        client.modifyAckDeadline({ subscription, ackIds: chunk, ackDeadlineSeconds: seconds }),
      ),
    acknowledge: (ackIds) => inChunks(ackIds, (chunk) => client.acknowledge({ subscription, ackIds: chunk })),
    close: () => client.close(),
  };
}

/** Undefined for an entry without an ack id or message (never seen; kept out rather than crash). */
export function toPulledMessage(
  received: protos.google.pubsub.v1.IReceivedMessage,
): PulledMessage | undefined {
  const message = received.message;
  if (!received.ackId || !message) return undefined;
  return {
    ackId: received.ackId,
    messageId: message.messageId ?? '',
    publishTime: timestampToDate(message.publishTime),
    data: toBuffer(message.data),
    attributes: { ...(message.attributes ?? {}) },
  };
}

function toBuffer(data: Uint8Array | string | null | undefined): Buffer {
  if (data === null || data === undefined) return Buffer.alloc(0);
  // protobufjs hands out bytes as Buffer; a string would be its base64 JSON form.
  if (typeof data === 'string') return Buffer.from(data, 'base64');
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function timestampToDate(timestamp: protos.google.protobuf.ITimestamp | null | undefined): Date {
  const seconds = Number(timestamp?.seconds ?? 0);
  const nanos = Number(timestamp?.nanos ?? 0);
  return new Date(seconds * 1000 + Math.floor(nanos / 1e6));
}
