import type { CreateSubscriptionOptions, PubSub, protos, Subscription, Topic } from '@google-cloud/pubsub';

export interface PubSubNames {
  readonly findingsTopic: string;
  readonly findingsSubscription: string;
  readonly deadLetterTopic: string;
  readonly deadLetterSubscription: string;
}

export interface ProvisionOptions {
  /** Dead-letter policy of the worker subscription (5–100). */
  readonly maxDeliveryAttempts: number;
  /** Ack deadline of the worker subscription; the client extends leases beyond it. Default 60. */
  readonly ackDeadlineSeconds?: number;
  /** Redelivery backoff after a nack (Pub/Sub allows 0–600). Defaults 10 and 600; tests use ~0–1. */
  readonly minimumBackoffS?: number;
  readonly maximumBackoffS?: number;
  /**
   * No retry policy: Pub/Sub redelivers a nacked message at once. For tests only — the emulator
   * rounds any backoff up to ~2 s steps, which makes five nacks take ~8 s instead of ~0.3 s.
   */
  readonly immediateRedelivery?: boolean;
  /** How long the dead-letter inspect subscription keeps messages. Default 7 days (the maximum). */
  readonly deadLetterRetentionS?: number;
}

export interface ProvisionResult {
  /** Resources as `topics/NAME` or `subscriptions/NAME`. */
  readonly created: string[];
  readonly existing: string[];
  /** Existing worker subscription whose dead-letter or retry policy was brought in line. */
  readonly updated: string[];
}

const ALREADY_EXISTS = 6;
const SEVEN_DAYS_S = 7 * 24 * 3600;

type Duration = protos.google.protobuf.IDuration;
type DeadLetterPolicy = protos.google.pubsub.v1.IDeadLetterPolicy;
type RetryPolicy = protos.google.pubsub.v1.IRetryPolicy;

/**
 * Creates the findings topic, the dead-letter topic, the worker subscription (dead-letter and
 * retry policy) and the dead-letter inspect subscription. Idempotent and safe when several
 * processes run it at once: ALREADY_EXISTS counts as existing.
 */
export async function provisionPubSub(
  pubsub: PubSub,
  names: PubSubNames,
  options: ProvisionOptions,
): Promise<ProvisionResult> {
  const result: ProvisionResult = { created: [], existing: [], updated: [] };
  const findings = await ensureTopic(pubsub, names.findingsTopic, result);
  const deadLetter = await ensureTopic(pubsub, names.deadLetterTopic, result);

  const deadLetterPolicy: DeadLetterPolicy = {
    deadLetterTopic: deadLetter.name,
    maxDeliveryAttempts: options.maxDeliveryAttempts,
  };
  const retryPolicy: RetryPolicy | null = options.immediateRedelivery
    ? null
    : {
        minimumBackoff: toDuration(options.minimumBackoffS ?? 10),
        maximumBackoff: toDuration(options.maximumBackoffS ?? 600),
      };
  const workerName = names.findingsSubscription;
  const workerCreated = await createSubscription(findings, workerName, {
    ackDeadlineSeconds: options.ackDeadlineSeconds ?? 60,
    deadLetterPolicy,
    retryPolicy,
    expirationPolicy: {}, // never expires while idle
  });
  if (workerCreated) result.created.push(`subscriptions/${workerName}`);
  else if (
    await alignWorkerPolicies(pubsub.subscription(workerName), findings, deadLetterPolicy, retryPolicy)
  )
    result.updated.push(`subscriptions/${workerName}`);
  else result.existing.push(`subscriptions/${workerName}`);

  const inspectName = names.deadLetterSubscription;
  const inspectCreated = await createSubscription(deadLetter, inspectName, {
    ackDeadlineSeconds: 60,
    messageRetentionDuration: options.deadLetterRetentionS ?? SEVEN_DAYS_S,
    expirationPolicy: {},
  });
  (inspectCreated ? result.created : result.existing).push(`subscriptions/${inspectName}`);
  return result;
}

async function ensureTopic(pubsub: PubSub, name: string, result: ProvisionResult): Promise<Topic> {
  const topic = pubsub.topic(name);
  try {
    await topic.create();
    result.created.push(`topics/${name}`);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    result.existing.push(`topics/${name}`);
  }
  return topic;
}

/** True when created, false when it already existed (settings of an existing one are left alone). */
async function createSubscription(
  topic: Topic,
  name: string,
  settings: CreateSubscriptionOptions,
): Promise<boolean> {
  try {
    await topic.createSubscription(name, settings);
    return true;
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    return false;
  }
}

/** Brings an existing worker subscription's dead-letter and retry policy in line; true when changed. */
async function alignWorkerPolicies(
  subscription: Subscription,
  topic: Topic,
  deadLetterPolicy: DeadLetterPolicy,
  retryPolicy: RetryPolicy | null,
): Promise<boolean> {
  const [metadata] = await subscription.getMetadata();
  if (metadata.topic !== topic.name) {
    throw new Error(
      `subscription ${subscription.name} is attached to ${metadata.topic ?? 'a deleted topic'}, not ${topic.name}: delete it or choose another FINDINGS_SUBSCRIPTION`,
    );
  }
  const dlpDiffers =
    metadata.deadLetterPolicy?.deadLetterTopic !== deadLetterPolicy.deadLetterTopic ||
    metadata.deadLetterPolicy?.maxDeliveryAttempts !== deadLetterPolicy.maxDeliveryAttempts;
  const current = metadata.retryPolicy ?? null;
  const retryDiffers =
    (current === null) !== (retryPolicy === null) ||
    durationMs(current?.minimumBackoff) !== durationMs(retryPolicy?.minimumBackoff) ||
    durationMs(current?.maximumBackoff) !== durationMs(retryPolicy?.maximumBackoff);
  if (!dlpDiffers && !retryDiffers) return false;
  await subscription.setMetadata({
    ...(dlpDiffers ? { deadLetterPolicy } : {}),
    ...(retryDiffers ? { retryPolicy } : {}),
  });
  return true;
}

function isAlreadyExists(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === ALREADY_EXISTS;
}

function toDuration(seconds: number): Duration {
  const whole = Math.floor(seconds);
  return { seconds: whole, nanos: Math.round((seconds - whole) * 1e9) };
}

function durationMs(duration: Duration | null | undefined): number {
  if (!duration) return 0;
  return Number(duration.seconds ?? 0) * 1000 + Math.round(Number(duration.nanos ?? 0) / 1e6);
}
