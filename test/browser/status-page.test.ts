import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { PubSub } from '@google-cloud/pubsub';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/cli/check.js';
import { testIO } from '../../src/cli/test-io.js';
import type { ReadinessReport } from '../../src/policy/readiness.js';
import { createTestPubSub, uniqueNames } from '../support/pubsub-fixtures.js';
import {
  finding,
  provisionForTest,
  type RelayUnderTest,
  startRelayUnderTest,
} from '../support/relay-harness.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';
import { type HeadlessChromium, launchChromium } from './chromium.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const SCRIPT_TITLE = '<script>alert(1)</script>';
const IMG_TITLE = '<img src=x onerror="window.__pwned=1;alert(2)">';

let pubsub: PubSub;
let slack: SlackStandIn;
let relay: RelayUnderTest;
let browser: HeadlessChromium;
let page: Page;
const dialogs: string[] = [];
const consoleErrors: string[] = [];

/** Prometheus text → series (`name{labels}`) → value. */
async function scrape(r: RelayUnderTest): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${r.worker.httpPort}/metrics`)).text();
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) series.set(m[1]!, Number(m[2]));
  }
  return series;
}

/** Sum of a metric's series whose labels contain every `name="value"` given. */
function sum(series: Map<string, number>, name: string, labels: string[] = []): number {
  let total = 0;
  for (const [key, value] of series) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (labels.every((l) => key.includes(l))) total += value;
  }
  return total;
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  pubsub = createTestPubSub();
  const names = uniqueNames('status-page');
  await provisionForTest(pubsub, names);
  slack = await startSlackStandIn();
  relay = await startRelayUnderTest(names, {
    SLACK_NOTIFICATIONS_ENABLED: 'true',
    SLACK_WEBHOOK_URL: slack.url,
    SLACK_BATCH_WINDOW_MS: '200',
  });
  const topic = pubsub.topic(names.findingsTopic);
  const findings = [
    finding({ title: SCRIPT_TITLE }),
    finding({ title: IMG_TITLE, severity: 'critical' }),
    finding({ title: 'A'.repeat(250), id: `long-${'x'.repeat(120)}` }),
    finding({ repo: undefined, severity: 'low' }),
  ];
  for (const f of findings) await topic.publishMessage({ json: f });
  await topic.publishMessage({ data: Buffer.from('{"not": json') });
  await relay.waitForSettled(5);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(`http://127.0.0.1:${relay.worker.httpPort}/`);
});

afterAll(async () => {
  await browser?.close();
  await relay?.worker.stop();
  await slack?.close();
  await pubsub?.close();
});

const text = async (selector: string) => (await page.locator(selector).textContent()) ?? '';

describe('the status page in Chromium', () => {
  it('shows the same modes, statuses and matrix as `check --json`', async () => {
    const io = testIO(relay.env, { cwd: relay.storeDir });
    expect(await runCheck(['--json'], io.io)).toBe(0);
    const check = JSON.parse(io.stdout()) as ReadinessReport;
    expect(await text('#environment')).toBe(check.environment);
    expect(await text('#slack-mode')).toBe(check.slack.mode);
    expect(await text('#slack-status')).toBe(check.slack.status);
    expect(await text('#slack-reason')).toBe(check.slack.reason);
    expect(await text('#github-mode')).toBe(check.github.mode);
    expect(await text('#github-status')).toBe(check.github.status);
    expect(await text('#storage-status')).toBe(check.storage.status);
    for (const env of ['dev', 'staging', 'prod'] as const) {
      const row = `#matrix tr[data-env="${env}"]`;
      const m = check.matrix[env];
      expect(await text(`${row} td[data-part="slack"]`)).toBe(`${m.slack.mode} · ${m.slack.status}`);
      expect(await text(`${row} td[data-part="github"]`)).toBe(`${m.github.mode} · ${m.github.status}`);
      expect(await text(`${row} td[data-part="storage"]`)).toBe(m.storage.status);
    }
    expect(check.slack.mode).toBe('ENABLED');
    expect(check.github.mode).toBe('DRY_RUN');
  });

  it('shows the same counters as /metrics', async () => {
    const series = await scrape(relay);
    const counter = async (key: string) => Number(await text(`[data-counter="${key}"]`));
    const outcomes = 'finding_relay_outcomes_total';
    const expected: Record<string, number> = {
      received: sum(series, 'finding_relay_messages_received_total'),
      valid: sum(series, 'finding_relay_findings_valid_total'),
      invalid: sum(series, 'finding_relay_findings_invalid_total'),
      acked: sum(series, 'finding_relay_settlements_total', ['settlement="ack"']),
      'dead-lettered': sum(series, 'finding_relay_settlements_total', ['settlement="dead-letter"']),
      'slack-sent': sum(series, outcomes, ['channel="slack"', 'outcome="sent"']),
      'github-dry-run': sum(series, outcomes, ['channel="github"', 'outcome="dry-run"']),
      'github-dropped': sum(series, outcomes, ['channel="github"', 'outcome="dropped"']),
      'slack-messages': sum(series, 'finding_relay_slack_messages_total', ['result="sent"']),
    };
    for (const [key, value] of Object.entries(expected)) expect(await counter(key), key).toBe(value);
    expect(expected).toMatchObject({
      received: 5,
      valid: 4,
      invalid: 1,
      'slack-sent': 4,
      'github-dry-run': 3,
    });
    expect(Number(await text('[data-dead-letter="invalid-json"]'))).toBe(
      sum(series, 'finding_relay_dead_lettered_total', ['reason="invalid-json"']),
    );
    expect(await text('#ledger')).toBe(`${relay.env.STORAGE_URI}/ledger/dev/`);
  });

  it('renders hostile finding text as text: no script runs, no element is injected', async () => {
    const outcomes = await page.locator('#outcomes').textContent();
    expect(outcomes).toContain(SCRIPT_TITLE);
    expect(outcomes).toContain(IMG_TITLE);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('#outcomes tr[data-finding]').count()).toBe(5);
    await page.screenshot({ path: `${ARTIFACTS}status-page-desktop.png`, fullPage: true });
  });

  it('refreshes itself and draws outcomes per minute as an inline SVG, within the CSP', async () => {
    expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).toMatch(/^\d+$/);
    // Final outcomes and failures on /metrics (queued is a way in, not an outcome) equal the
    // chart's bars: everything here happened within the hour.
    const finals = (series: Map<string, number>) =>
      sum(series, 'finding_relay_outcomes_total') -
      sum(series, 'finding_relay_outcomes_total', ['outcome="queued"']);
    let drawn = -1;
    let expected = -2;
    for (let attempt = 0; attempt < 5 && drawn !== expected; attempt++) {
      await page.reload();
      drawn = await page.evaluate(() =>
        [...document.querySelectorAll('#per-minute g[data-minute]')].reduce(
          (n, g) => n + Number(g.getAttribute('data-done')) + Number(g.getAttribute('data-failed')),
          0,
        ),
      );
      expected = finals(await scrape(relay));
      if (drawn !== expected) await new Promise((r) => setTimeout(r, 300));
    }
    expect(drawn).toBe(expected);
    expect(expected).toBeGreaterThanOrEqual(8);
    expect(await page.locator('#per-minute g[data-minute]').count()).toBe(60);
    expect(await page.locator('#per-minute rect.done').count()).toBeGreaterThan(0);
    const box = await page.locator('#per-minute svg').boundingBox();
    expect(box?.height).toBeGreaterThan(50);
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await page.locator('#per-minute').screenshot({ path: `${ARTIFACTS}status-page-chart-desktop.png` });
  });

  it('fits a 375 px phone screen without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    await page.reload();
    const overflow = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(overflow.client).toBe(375);
    expect(overflow.scroll).toBeLessThanOrEqual(overflow.client);
    // On a phone the outcome rows stack, each value labelled.
    expect(await page.locator('#outcomes thead').isVisible()).toBe(false);
    expect(await page.locator('#outcomes td.title').first().isVisible()).toBe(true);
    // The chart scales to the phone's width.
    const chart = await page.locator('#per-minute svg').boundingBox();
    expect(chart?.width).toBeGreaterThan(300);
    expect((chart?.x ?? 0) + (chart?.width ?? 0)).toBeLessThanOrEqual(375);
    await page.screenshot({ path: `${ARTIFACTS}status-page-phone.png`, fullPage: true });
  });
});
