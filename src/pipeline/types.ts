import type { ChannelName, Decision, Outcome } from '../channels/types.js';
import type { Finding } from '../finding/schema.js';

/** Why intake refused a message; becomes `finding_relay_reason` on the dead-letter topic. */
export type IntakeFailureReason = 'invalid-json' | 'invalid-schema' | 'too-large';

/** One Pub/Sub message as the pipeline sees it (an adapter over the client's Message). */
export interface InboundMessage {
  readonly id: string;
  readonly data: Buffer;
  readonly attributes: Readonly<Record<string, string>>;
  /** 1…N on a subscription with a dead-letter policy; 0 when unknown. */
  readonly deliveryAttempt: number;
  readonly publishTime: Date;
  ack(): void;
  nack(): void;
}

/** One message on its way through the stages. */
export interface Envelope {
  readonly message: InboundMessage;
  readonly receivedAt: number;
  finding?: Finding;
  invalid?: { reason: IntakeFailureReason; detail: string };
  readonly decisions: Map<ChannelName, Decision>;
  readonly outcomes: Map<ChannelName, Outcome>;
}
