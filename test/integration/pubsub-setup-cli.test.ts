import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../../src/cli/io.js';
import { runSetup } from '../../src/cli/setup.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { createTestPubSub, emulatorHost, uniqueNames } from '../support/pubsub-fixtures.js';

let pubsub: PubSub;
beforeAll(() => {
  pubsub = createTestPubSub();
});
afterAll(async () => {
  await pubsub.close();
});

/** A real Config, parsed from the variables an operator would set. */
function configFor(names: ReturnType<typeof uniqueNames>, maxDeliveryAttempts = 5): Config {
  const { config, issues } = loadConfig(
    {
      DEPLOYMENT_ENV: 'dev',
      GOOGLE_CLOUD_PROJECT: pubsub.projectId,
      PUBSUB_EMULATOR_HOST: emulatorHost(),
      FINDINGS_TOPIC: names.findingsTopic,
      FINDINGS_SUBSCRIPTION: names.findingsSubscription,
      DEAD_LETTER_TOPIC: names.deadLetterTopic,
      DEAD_LETTER_SUBSCRIPTION: names.deadLetterSubscription,
      MAX_DELIVERY_ATTEMPTS: String(maxDeliveryAttempts),
    },
    { cwd: tmpdir() },
  );
  expect(issues).toEqual([]);
  return config;
}

function testIO() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = {
    env: {},
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stdin: Readable.from([]),
    cwd: '/',
    signal: new AbortController().signal,
  };
  return { io, out, err };
}

describe('setup command', () => {
  it('prints what it created, then on a second run what already existed', async () => {
    const names = uniqueNames('cli-setup');
    const first = testIO();
    expect(await runSetup({ config: configFor(names), pubsub, io: first.io })).toBe(0);
    const created = first.out.join('');
    expect(created).toContain(`emulator ${emulatorHost()}`);
    for (const name of [names.findingsTopic, names.deadLetterTopic])
      expect(created).toContain(`created  topics/${name}\n`);
    for (const name of [names.findingsSubscription, names.deadLetterSubscription]) {
      expect(created).toContain(`created  subscriptions/${name}\n`);
    }
    expect(created).not.toContain('exists');

    const second = testIO();
    expect(await runSetup({ config: configFor(names), pubsub, io: second.io })).toBe(0);
    expect(second.out.join('')).not.toContain('created');
    expect(second.out.join('').match(/ {2}exists {3}/g)).toHaveLength(4);

    const third = testIO();
    expect(await runSetup({ config: configFor(names, 8), pubsub, io: third.io })).toBe(0);
    expect(third.out.join('')).toContain(
      `updated  subscriptions/${names.findingsSubscription} (dead-letter after 8 attempts)`,
    );
  });

  it('exits 1 and says why when provisioning fails', async () => {
    const names = uniqueNames('cli-setup-fail');
    const [other] = await pubsub.createTopic(`${names.findingsTopic}-elsewhere`);
    await other.createSubscription(names.findingsSubscription);
    const { io, err } = testIO();
    expect(await runSetup({ config: configFor(names), pubsub, io })).toBe(1);
    expect(err.join('')).toMatch(/^setup failed: subscription .* is attached to/);
  });
});
