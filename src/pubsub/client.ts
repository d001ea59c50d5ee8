/**
 * The Pub/Sub client factory lives in the publisher package (packages/publisher/src/pubsub-client.ts),
 * which creates its clients the same way; the relay's modules import it through this re-export.
 */
export {
  createPubSubClient,
  EMULATOR_DEFAULT_PROJECT,
  type PubSubClientOptions,
} from '@finding-relay/publisher';
