import { type Finding, findingAttributes } from '@finding-relay/publisher/finding';
import type { MessagePublisher } from './message-publisher.js';

/** The attributes every finding is published with (the publisher package defines them). */
export { findingAttributes };

/** Publishes in flight at once: enough for the client to batch, bounded so a big file stays small in memory. */
const WINDOW = 1_000;

/**
 * Publishes each finding as its JSON (with the resolved fingerprint) and resolves with the message
 * ids in order. Rejects on the first failure; earlier findings may already be published.
 */
export async function publishFindings(
  topic: MessagePublisher,
  findings: readonly Finding[],
): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < findings.length; start += WINDOW) {
    const window = findings.slice(start, start + WINDOW);
    ids.push(
      ...(await Promise.all(
        window.map((finding) =>
          topic.publishMessage({
            data: Buffer.from(JSON.stringify(finding)),
            attributes: findingAttributes(finding),
          }),
        ),
      )),
    );
  }
  return ids;
}
