import { PubSub } from '@google-cloud/pubsub';

export interface PubSubClientOptions {
  /** GOOGLE_CLOUD_PROJECT. Required against real Pub/Sub unless the credentials name one. */
  readonly projectId?: string;
  /** `host:port` of an emulator (PUBSUB_EMULATOR_HOST); the relay passes its configured one. */
  readonly emulatorHost?: string;
  /**
   * The client library's own OpenTelemetry tracing (`enableOpenTelemetryTracing`): with an
   * OpenTelemetry SDK registered in the process, publishing and receiving are spans, and each
   * message carries its W3C trace context in the `googclient_traceparent` attribute. The library
   * turns it on for every client of the process once one client asks for it.
   */
  readonly tracing?: boolean;
}

/** Project used against an emulator when none is configured: the emulator accepts any name. */
export const EMULATOR_DEFAULT_PROJECT = 'finding-relay-local';

/**
 * One PubSub client. Against an emulator it talks plaintext gRPC to that host and never asks
 * Google for credentials: an explicit projectId skips the project lookup, and an explicit
 * universeDomain skips the credentials lookup gax does before each stub, which would otherwise
 * probe the GCE metadata server (MetadataLookupWarning … ENOTFOUND off GCP). No process.env needed.
 */
export function createPubSubClient(options: PubSubClientOptions): PubSub {
  const tracing = options.tracing ? { enableOpenTelemetryTracing: true } : {};
  if (options.emulatorHost) {
    return new PubSub({
      ...tracing,
      projectId: options.projectId ?? EMULATOR_DEFAULT_PROJECT,
      apiEndpoint: options.emulatorHost,
      emulatorMode: true,
      universeDomain: 'googleapis.com',
    });
  }
  return new PubSub({ ...tracing, ...(options.projectId ? { projectId: options.projectId } : {}) });
}
