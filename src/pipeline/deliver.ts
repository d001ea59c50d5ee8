import type { ChannelName, ChannelSink, DeliveryItem, Outcome } from '../channels/types.js';
import type { ChannelRecorder } from './record.js';
import type { Stage } from './stage.js';
import type { Envelope } from './types.js';

/**
 * Fans each channel's share of the batch out to its sink, in parallel; every item gets an outcome.
 * `recordChannel` runs as soon as a channel has its outcomes (before the other channels finish).
 */
export function deliverStage(
  sinks: ReadonlyMap<ChannelName, ChannelSink>,
  recordChannel?: ChannelRecorder,
): Stage {
  return async (batch, ctx) => {
    const perChannel = new Map<ChannelName, Array<{ envelope: Envelope; item: DeliveryItem }>>();
    for (const envelope of batch) {
      if (!envelope.finding) continue;
      for (const [channel, decision] of envelope.decisions) {
        if (decision.do === 'drop' || envelope.outcomes.has(channel)) continue;
        const item: DeliveryItem = {
          eventId: envelope.finding.id,
          finding: envelope.finding,
          decision: decision.do,
          publishedAt: envelope.message.publishTime.getTime(),
        };
        const list = perChannel.get(channel) ?? [];
        list.push({ envelope, item });
        perChannel.set(channel, list);
      }
    }
    await Promise.all(
      [...perChannel].map(async ([channel, entries]) => {
        const sink = sinks.get(channel);
        let results: Map<DeliveryItem, Outcome>;
        try {
          if (!sink) throw new Error(`no ${channel} sink is configured`);
          results = await sink.deliver(
            entries.map((e) => e.item),
            ctx.signal,
          );
        } catch (error) {
          ctx.log.error(
            { channel, err: error instanceof Error ? error.message : String(error) },
            'channel failed',
          );
          results = new Map();
        }
        for (const { envelope, item } of entries) {
          envelope.outcomes.set(
            channel,
            results.get(item) ?? { kind: 'transient', cause: `${channel} returned no outcome` },
          );
        }
        await recordChannel?.(
          channel,
          entries.map((e) => e.envelope),
          ctx,
        );
      }),
    );
    return batch;
  };
}
