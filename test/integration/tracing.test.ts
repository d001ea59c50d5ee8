import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublisher } from '@finding-relay/publisher';
import type { PubSub } from '@google-cloud/pubsub';
import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPubSub, emulatorHost, TEST_PROJECT_ID, uniqueNames } from '../support/pubsub-fixtures.js';
import { finding, provisionForTest, relayEnv } from '../support/relay-harness.js';
import { spawnWorker, waitUntil } from '../support/worker-process.js';

/**
 * OpenTelemetry trace context (issue 18): an agent with an SDK registered publishes through the
 * publisher library with `tracing: true`; the client library puts the publish span's context on
 * the message (`googclient_traceparent`), and a worker with TRACING_ENABLED=true logs that trace on
 * the finding's outcome lines, in Cloud Logging's trace fields. Off by default.
 */
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let pubsub: PubSub;
beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
  pubsub = createTestPubSub();
});
afterAll(async () => {
  await pubsub.close();
  await provider.shutdown();
  trace.disable();
});

type Line = Record<string, unknown>;
const outcomeLines = (output: string): Line[] =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line)
    .filter((l) => l.message === 'outcome');

/** Publishes one finding without tracing (first: the library's switch is process-wide once on), then one with. */
async function publishBoth(topic: string) {
  const plain = finding({ repo: 'acme/widgets' });
  await pubsub.topic(topic).publishMessage({ json: plain });
  const traced = finding({ repo: 'acme/widgets' });
  const publisher = createPublisher({
    topic,
    projectId: TEST_PROJECT_ID,
    emulatorHost: emulatorHost(),
    tracing: true,
  });
  exporter.reset();
  await publisher.publish(traced);
  await publisher.close();
  // The message carries the context of the client library's `<topic> create` span (a producer span).
  const create = exporter.getFinishedSpans().filter((s) => s.name === `${topic} create`);
  expect(create).toHaveLength(1);
  return { plain, traced, traceId: create[0]!.spanContext().traceId };
}

async function runWorker(topicNames: ReturnType<typeof uniqueNames>, tracing: boolean, ids: string[]) {
  const storeDir = await mkdtemp(join(tmpdir(), 'relay-tracing-'));
  const env = relayEnv(topicNames, storeDir, {
    LOG_LEVEL: 'info',
    PORT: '0',
    ...(tracing ? { TRACING_ENABLED: 'true' } : {}),
  });
  const worker = spawnWorker(env);
  try {
    // Each finding: slack dropped at intake, github queued then dry-run by its dispatcher.
    await waitUntil(
      () =>
        outcomeLines(worker.output()).filter((l) => ids.includes(String(l.findingId))).length >=
        3 * ids.length,
      'three outcome lines per finding',
      40_000,
    );
  } finally {
    worker.kill('SIGTERM');
    await worker.exited;
  }
  return outcomeLines(worker.output());
}

describe('trace context from the publisher to the outcome lines', () => {
  it('with TRACING_ENABLED, every outcome line of a traced finding names its trace; an untraced one none', async () => {
    const names = uniqueNames('tracing-on');
    await provisionForTest(pubsub, names);
    const { plain, traced, traceId } = await publishBoth(names.findingsTopic);
    const lines = await runWorker(names, true, [plain.id, traced.id]);

    const tracedLines = lines.filter((l) => l.findingId === traced.id);
    expect(tracedLines.map((l) => `${l.channel} ${l.outcome}`).sort()).toEqual(
      ['github dry-run', 'github queued', 'slack dropped'].sort(),
    );
    for (const l of tracedLines) {
      expect(l['logging.googleapis.com/trace']).toBe(`projects/${TEST_PROJECT_ID}/traces/${traceId}`);
      expect(l['logging.googleapis.com/spanId']).toMatch(/^[0-9a-f]{16}$/);
    }
    const plainLines = lines.filter((l) => l.findingId === plain.id);
    expect(plainLines).toHaveLength(3);
    for (const l of plainLines) expect(l).not.toHaveProperty('logging.googleapis.com/trace');
  });

  it('off by default: a traced finding is logged without its trace', async () => {
    const names = uniqueNames('tracing-off');
    await provisionForTest(pubsub, names);
    const { traced } = await publishBoth(names.findingsTopic);
    const lines = (await runWorker(names, false, [traced.id])).filter((l) => l.findingId === traced.id);
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      expect(l).not.toHaveProperty('logging.googleapis.com/trace');
      expect(l).not.toHaveProperty('trace_id');
    }
  });
});
