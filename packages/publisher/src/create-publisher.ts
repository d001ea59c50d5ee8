import type { BatchPublishOptions, PubSub } from '@google-cloud/pubsub';
import { prepareFinding } from './prepare-finding.js';
import { createPubSubClient } from './pubsub-client.js';
import type { FindingInput } from './schema.js';

export interface PublisherOptions {
  /** Google Cloud project. Against real Pub/Sub, needed unless the credentials name one. */
  readonly projectId?: string;
  /** The findings topic (FINDINGS_TOPIC of the relay). Default `findings`. */
  readonly topic?: string;
  /**
   * `host:port` of a Pub/Sub emulator. When unset, the Google client still honours
   * PUBSUB_EMULATOR_HOST from the environment by itself.
   */
  readonly emulatorHost?: string;
  /** Use this client instead of creating one; close() then leaves it open for its owner. */
  readonly pubsub?: PubSub;
  /** The client's publish batching; its defaults (100 messages, 1 MB, 10 ms) otherwise. */
  readonly batching?: BatchPublishOptions;
  /**
   * OpenTelemetry trace context, off by default: with an SDK registered in the agent, each publish
   * is a span and the message carries it (`googclient_traceparent`); a relay with
   * TRACING_ENABLED=true puts its trace id on the finding's outcome log lines. Ignored with `pubsub`
   * (that client's own setting applies).
   */
  readonly tracing?: boolean;
}

export interface FindingPublisher {
  /**
   * Validates the finding against schema v1 (throws FindingValidationError and sends nothing when
   * it is invalid), fills the default fingerprint, and publishes it with the attributes `severity`,
   * `agent`, `fingerprint` and `schemaVersion`. Resolves with the Pub/Sub message id.
   */
  publish(finding: FindingInput): Promise<string>;
  /** Sends what is waiting in the current batch now. */
  flush(): Promise<void>;
  /** Flushes, then closes the client if this publisher created it. Later publishes reject. */
  close(): Promise<void>;
}

export const DEFAULT_FINDINGS_TOPIC = 'findings';

/** A publisher for agents: `await createPublisher({ projectId }).publish(finding)`. */
export function createPublisher(options: PublisherOptions = {}): FindingPublisher {
  const ownsClient = options.pubsub === undefined;
  const pubsub =
    options.pubsub ??
    createPubSubClient({
      projectId: options.projectId,
      emulatorHost: options.emulatorHost,
      tracing: options.tracing === true,
    });
  const topic = pubsub.topic(
    options.topic ?? DEFAULT_FINDINGS_TOPIC,
    options.batching ? { batching: options.batching } : undefined,
  );
  let closed = false;

  return {
    async publish(finding) {
      if (closed) throw new Error('finding-relay publisher is closed');
      // Validation throws synchronously inside this async function: the promise rejects, nothing is sent.
      return topic.publishMessage(prepareFinding(finding));
    },
    flush: () => topic.flush(),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await topic.flush();
      } finally {
        if (ownsClient) await pubsub.close();
      }
    },
  };
}
