import type { PreparedMessage } from '@finding-relay/publisher/finding';
import type { Topic } from '@google-cloud/pubsub';

/** Publishes in flight at once: enough for the client's batching, bounded so memory stays flat. */
const WINDOW = 1_000;

/** Publishes every message as fast as the client allows; resolves with the seconds it took. */
export async function publishAll(topic: Topic, messages: readonly PreparedMessage[]): Promise<number> {
  const started = performance.now();
  for (let start = 0; start < messages.length; start += WINDOW) {
    await Promise.all(messages.slice(start, start + WINDOW).map((m) => topic.publishMessage(m)));
  }
  return (performance.now() - started) / 1000;
}

export interface PacedPublish {
  /** Messages published. */
  readonly sent: number;
  /** Seconds from the first publish to the last publish's confirmation. */
  readonly seconds: number;
  /** sent / seconds. */
  readonly achievedPerSecond: number;
}

/**
 * Offers `perSecond` messages for `seconds`: every 10 ms it publishes what the schedule says is
 * due, so the rate holds even when a tick runs late.
 */
export async function publishPaced(
  topic: Topic,
  messages: readonly PreparedMessage[],
  perSecond: number,
  seconds: number,
): Promise<PacedPublish> {
  const total = Math.min(messages.length, Math.round(perSecond * seconds));
  const started = performance.now();
  const pending: Promise<string>[] = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * perSecond) + 1);
    for (; sent < due; sent++) pending.push(topic.publishMessage(messages[sent]!));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  return { sent, seconds: elapsed, achievedPerSecond: sent / elapsed };
}
