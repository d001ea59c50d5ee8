import type { InboundMessage } from './types.js';

/** A real InboundMessage backed by plain data, recording how it was settled (for stage tests). */
export function inboundMessage(
  data: string | Buffer,
  overrides: Partial<Pick<InboundMessage, 'id' | 'attributes' | 'deliveryAttempt'>> = {},
): InboundMessage & { settledAs: Array<'ack' | 'nack'> } {
  const settledAs: Array<'ack' | 'nack'> = [];
  return {
    id: overrides.id ?? `m-${Math.random().toString(36).slice(2)}`,
    data: Buffer.isBuffer(data) ? data : Buffer.from(data),
    attributes: overrides.attributes ?? {},
    deliveryAttempt: overrides.deliveryAttempt ?? 1,
    publishTime: new Date(0),
    settledAs,
    ack: () => settledAs.push('ack'),
    nack: () => settledAs.push('nack'),
  };
}
