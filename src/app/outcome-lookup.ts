import type { ChannelName, Outcome } from '../channels/types.js';
import type { OutcomeSummary, RecentOutcomes } from '../observability/recent-outcomes.js';
import type { DeliveryRecord, RelayState } from '../state/relay-state.js';

function recordOutcome(record: DeliveryRecord): Outcome {
  if (record.state === 'done' && record.outcome) return record.outcome as Outcome;
  if (record.state === 'dead-lettered') {
    return {
      kind: 'permanent',
      reason: record.channel === 'slack' ? 'permanent-slack' : 'permanent-github',
      cause: record.cause ?? 'dead-lettered',
    };
  }
  return { kind: 'queued' };
}

/**
 * A finding's outcome for `GET /api/outcomes/{id}`: what this worker saw, with each channel still
 * `queued` here brought up to date from the shared state (another worker's dispatcher may have
 * finished it). A finding this worker never saw is answered from the state alone.
 */
export async function lookupOutcome(
  findingId: string,
  recent: RecentOutcomes,
  state: RelayState | undefined,
): Promise<OutcomeSummary | undefined> {
  const local = recent.get(findingId);
  const pending = !local || Object.values(local.channels).some((o) => o?.kind === 'queued');
  if (!state || !pending) return local;
  let records: DeliveryRecord[];
  try {
    records = await state.deliveries(findingId);
  } catch {
    return local; // the store is down: what this worker knows is still true
  }
  if (records.length === 0) return local;
  const channels: Partial<Record<ChannelName, Outcome>> = { ...(local?.channels ?? {}) };
  for (const record of records) channels[record.channel] = recordOutcome(record);
  return local
    ? { ...local, channels }
    : {
        findingId,
        messageId: '',
        agent: undefined,
        title: undefined,
        severity: undefined,
        settlement: 'ack',
        channels,
        settledAt: '',
        deliveryAttempt: 0,
      };
}
