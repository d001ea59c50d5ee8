import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMarker } from '../../src/channels/github/marker.js';
import type { FindingInput } from '../../src/finding/schema.js';
import { freePort } from '../support/free-port.js';
import { type GitHubStandIn, startGitHubStandIn } from '../support/github-stand-in.js';
import { createTestPubSub, uniqueNames } from '../support/pubsub-fixtures.js';
import { provisionForTest, relayEnv } from '../support/relay-harness.js';
import { type RecordedRequest, type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';
import { spawnWorker, type WorkerProcess, waitUntil } from '../support/worker-process.js';

/**
 * docs/contract.md §7 routes end to end (issue 17): one worker process on the real Pub/Sub emulator, two
 * Slack stand-ins (the default webhook and the routed SECURITY one) and the GitHub stand-in (REAL
 * writes, checked against the OpenAPI extract). A mixed corpus, published in waves, must land where
 * each finding's route says; each webhook gets its own digests and its own pace.
 */

const TOKEN = `ghs_routes_${randomBytes(12).toString('hex')}`;
const RUN = randomBytes(3).toString('hex');
const SECURITY_WINDOW_MS = 300;
const DEFAULT_WINDOW_MS = 1_500;
const WAVES = 10;
const WAVE_GAP_MS = 350;
/**
 * Jitter allowed when comparing the stand-ins' recorded arrival times. A digest's cycle starts after
 * the previous one completed, so consecutive gaps stay near the window; the pacer's tokens are
 * granted by time, so a late first request (a new connection, a busy event loop: seen 166 ms late
 * once in ~10 runs) shortens a span of several messages by its delay.
 */
const MARGIN_MS = 150;
const RATE_MARGIN_MS = 300;

const ROUTES_YAML = `# routes for the end-to-end test (docs/contract.md §7)
routes:
  - name: secrets
    match: ["agent=secret-scanner"]
    slack: { webhook: SECURITY, batchWindowMs: ${SECURITY_WINDOW_MS} }
    github: { repo: acme/security-triage }
  - name: licences
    match: ["agent=~license-.*"]
    slack: off
    continue: true
  - name: sast-quiet
    match: ["agent=sast", "repo=acme/api"]
    github: off
  - name: licence-issues
    match: ["agent=~license-.*"]
    github: { minSeverity: high }
`;

type Severity = FindingInput['severity'];
type SlackWhere = 'SECURITY' | 'DEFAULT' | 'off';

interface Planned {
  readonly input: FindingInput;
  readonly fingerprint: string;
  readonly wave: number;
  readonly slack: SlackWhere;
  /** The route expected on the slack channel's outcome when it is dropped by a route. */
  readonly slackRoute?: string;
  /** Where its GitHub issue goes, or the drop expected instead. */
  readonly github: { repo: string } | { dropped: string; route?: string };
}

interface Family {
  readonly agent: string;
  readonly fingerprints: number;
  readonly perFingerprint: number;
  readonly severity: (fp: number) => Severity;
  readonly repos: readonly string[];
  /** Each finding of a fingerprint from another repo (the route's override collapses them). */
  readonly spreadRepos?: boolean;
}

const FAMILIES: readonly Family[] = [
  {
    agent: 'secret-scanner',
    fingerprints: 10,
    perFingerprint: 5,
    severity: (fp) => (fp % 3 === 0 ? 'critical' : 'high'),
    repos: ['acme/web', 'acme/api', 'other/tool'],
    spreadRepos: true,
  },
  {
    agent: 'license-checker',
    fingerprints: 6,
    perFingerprint: 6,
    severity: (fp) => (fp % 2 === 0 ? 'high' : 'medium'),
    repos: ['acme/web'],
  },
  {
    agent: 'license-audit',
    fingerprints: 4,
    perFingerprint: 6,
    severity: (fp) => (fp % 2 === 0 ? 'critical' : 'low'),
    repos: ['acme/api'],
  },
  {
    agent: 'dep-scanner',
    fingerprints: 15,
    perFingerprint: 8,
    severity: (fp) => (['low', 'medium', 'high'] as const)[fp % 3]!,
    repos: ['acme/web', 'acme/api'],
  },
  {
    agent: 'sast',
    fingerprints: 10,
    perFingerprint: 6,
    severity: (fp) => (['medium', 'high', 'critical'] as const)[fp % 3]!,
    repos: ['acme/web', 'acme/api', 'other/tool'],
  },
];

const rank = (s: Severity) => ['info', 'low', 'medium', 'high', 'critical'].indexOf(s);

/** What docs/contract.md §7 and the routes above say for one finding (the oracle, written out by hand). */
function expectationFor(
  agent: string,
  repo: string,
  severity: Severity,
): Omit<Planned, 'input' | 'fingerprint' | 'wave'> {
  if (agent === 'secret-scanner') return { slack: 'SECURITY', github: { repo: 'acme/security-triage' } };
  if (agent.startsWith('license-'))
    return {
      slack: 'off',
      slackRoute: 'licences',
      github:
        rank(severity) >= rank('high') ? { repo } : { dropped: 'below-severity', route: 'licence-issues' },
    };
  if (agent === 'sast' && repo === 'acme/api')
    return { slack: 'DEFAULT', github: { dropped: 'mode-disabled', route: 'sast-quiet' } };
  return { slack: 'DEFAULT', github: repo.startsWith('acme/') ? { repo } : { dropped: 'not-allowlisted' } };
}

/** The corpus: every fingerprint first seen in one wave, its recurrences in that wave and later ones. */
function planCorpus(): Planned[] {
  const planned: Planned[] = [];
  for (const family of FAMILIES) {
    for (let fp = 0; fp < family.fingerprints; fp++) {
      const fingerprint = `${family.agent}-fp${fp}-${RUN}`;
      const first = fp % WAVES;
      const severity = family.severity(fp);
      for (let n = 0; n < family.perFingerprint; n++) {
        const repo = family.spreadRepos
          ? family.repos[(fp + n) % family.repos.length]!
          : family.repos[fp % family.repos.length]!;
        const id = `rt-${RUN}-${family.agent}-${fp}-${n}`;
        planned.push({
          input: {
            schemaVersion: 1,
            id,
            source: { agent: family.agent },
            severity,
            // Unique, and ended by a word, so `… n1 end` is never a prefix of `… n10 end`.
            title: `rt${RUN} ${family.agent} fp${fp} n${n} end`,
            repo,
            fingerprint,
            occurredAt: new Date(Date.UTC(2026, 11, 1, 0, 0, n)).toISOString(),
          } as FindingInput,
          fingerprint,
          wave: first + (n % (WAVES - first)),
          ...expectationFor(family.agent, repo, severity),
        });
      }
    }
  }
  return planned;
}

interface ChannelOutcome {
  kind: string;
  reason?: string;
  route?: string;
  detail?: string;
}
interface OutcomeAnswer {
  settlement: string;
  channels: { slack?: ChannelOutcome; github?: ChannelOutcome };
}

let pubsub: PubSub;
let slackDefault: SlackStandIn;
let slackSecurity: SlackStandIn;
let github: GitHubStandIn;
let worker: WorkerProcess | undefined;
let badWorker: WorkerProcess | undefined;
let tmp: string;
let baseEnv: Record<string, string | undefined>;
const corpus = planCorpus();
const outcomes = new Map<string, OutcomeAnswer>();
let logLines: string[] = [];

const isFinal = (o: ChannelOutcome | undefined) =>
  o !== undefined && o.kind !== 'queued' && o.kind !== 'transient';

/** SIGTERM by PID, then wait for the drain ("stopped"), then a second SIGTERM skips the idle wait. */
async function stopWorker(w: WorkerProcess): Promise<number | string> {
  w.kill('SIGTERM');
  await waitUntil(() => w.output().includes('"message":"stopped"'), 'the worker to drain', 20_000).catch(
    () => undefined,
  );
  w.kill('SIGTERM');
  return w.exited;
}

beforeAll(async () => {
  pubsub = createTestPubSub();
  const names = uniqueNames('routes');
  await provisionForTest(pubsub, names, 5);
  [slackDefault, slackSecurity, github] = await Promise.all([
    startSlackStandIn(),
    startSlackStandIn(),
    startGitHubStandIn({ token: TOKEN, repos: ['acme/web', 'acme/api', 'acme/security-triage'] }),
  ]);
  tmp = await mkdtemp(join(tmpdir(), 'relay-routes-'));
  await writeFile(join(tmp, 'routes.yaml'), ROUTES_YAML);
  const port = await freePort();
  baseEnv = {
    ...relayEnv(names, tmp),
    SLACK_NOTIFICATIONS_ENABLED: 'true',
    SLACK_WEBHOOK_URL: slackDefault.url,
    SLACK_WEBHOOK_URL_SECURITY: slackSecurity.url,
    SLACK_BATCH_WINDOW_MS: String(DEFAULT_WINDOW_MS),
    SLACK_BATCH_MAX: '45',
    DRY_RUN: 'false',
    GITHUB_TOKEN: TOKEN,
    GITHUB_API_URL: github.url,
    GITHUB_REPO_ALLOWLIST: 'acme/*',
    GITHUB_WRITE_INTERVAL_MS: '50',
    ROUTES_FILE: join(tmp, 'routes.yaml'),
  };
  worker = spawnWorker({ ...baseEnv, PORT: String(port), LOG_LEVEL: 'debug' });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200,
    'the worker to be ready',
    20_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; worker output:\n${worker!.output().slice(-4_000)}`);
  });

  const topic = pubsub.topic(names.findingsTopic, { batching: { maxMessages: 100, maxMilliseconds: 10 } });
  for (let wave = 0; wave < WAVES; wave++) {
    const started = Date.now();
    await Promise.all(
      corpus
        .filter((p) => p.wave === wave)
        .map((p) => topic.publishMessage({ data: Buffer.from(JSON.stringify(p.input)) })),
    );
    if (wave < WAVES - 1) await new Promise((r) => setTimeout(r, WAVE_GAP_MS - (Date.now() - started)));
  }

  // Every channel of every finding final (its dispatcher done), as the outcomes API says.
  await waitUntil(
    async () => {
      const open = corpus.filter(({ input }) => {
        const o = outcomes.get(input.id);
        return !o || !isFinal(o.channels.slack) || !isFinal(o.channels.github);
      });
      await Promise.all(
        open.map(async ({ input }) => {
          const res = await fetch(`${base}/api/outcomes/${encodeURIComponent(input.id)}`).catch(
            () => undefined,
          );
          if (res?.status === 200) outcomes.set(input.id, (await res.json()) as OutcomeAnswer);
        }),
      );
      return open.length === 0;
    },
    'every channel of every finding to be final',
    35_000,
  ).catch((error: Error) => {
    const open = corpus.filter(({ input }) => !outcomes.has(input.id)).length;
    throw new Error(
      `${error.message} (${open} never answered); worker output:\n${worker!.output().slice(-4_000)}`,
    );
  });
  const code = await stopWorker(worker);
  logLines = worker.output().split('\n').filter(Boolean);
  expect([0, 130, 143, 'SIGTERM']).toContain(code);
}, 60_000);

afterAll(async () => {
  for (const w of [worker, badWorker]) {
    if (w && w.child.exitCode === null && w.child.signalCode === null) {
      w.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      w.kill('SIGTERM');
      await w.exited;
    }
  }
  await Promise.all([slackDefault?.close(), slackSecurity?.close(), github?.close()]);
  await pubsub?.close();
});

const payloadText = (r: RecordedRequest) => (r.body as { text?: string } | undefined)?.text ?? '';
/** The titles of this run's findings a digest carries (its sections and its fallback text). */
const titlesIn = (r: RecordedRequest) =>
  new Set(r.rawBody.match(new RegExp(`rt${RUN} [a-z-]+ fp\\d+ n\\d+ end`, 'g')));
/** The findings a digest counts (its header: `[DEV] 12 findings: …`). */
const countOf = (r: RecordedRequest) => Number(/^\[[^\]]+\] (\d+) findings?:/.exec(payloadText(r))?.[1]);
const gaps = (times: readonly number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe('routes end to end (two webhooks, GitHub REAL, real emulator)', () => {
  it('every finding has one final outcome per channel, and the route that dropped it is named', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(250);
    expect(outcomes.size).toBe(corpus.length);
    const wrong: string[] = [];
    for (const p of corpus) {
      const o = outcomes.get(p.input.id)!;
      expect(o.settlement).toBe('ack');
      const { slack, github: gh } = o.channels;
      if (p.slack === 'off') {
        if (slack?.kind !== 'dropped' || slack.reason !== 'mode-disabled' || slack.route !== p.slackRoute)
          wrong.push(`${p.input.id} slack ${JSON.stringify(slack)}`);
      } else if (!(slack?.kind === 'sent' || (slack?.kind === 'dropped' && slack.reason === 'duplicate')))
        wrong.push(`${p.input.id} slack ${JSON.stringify(slack)}`);
      if ('dropped' in p.github) {
        if (gh?.kind !== 'dropped' || gh.reason !== p.github.dropped || gh.route !== p.github.route)
          wrong.push(`${p.input.id} github ${JSON.stringify(gh)} (wanted ${JSON.stringify(p.github)})`);
      } else if (
        !(gh?.kind === 'sent' && gh.detail?.includes(` ${p.github.repo}#`)) &&
        !(gh?.kind === 'dropped' && gh.reason === 'duplicate')
      )
        wrong.push(`${p.input.id} github ${JSON.stringify(gh)} (wanted ${p.github.repo})`);
    }
    expect(wrong).toEqual([]);
  });

  it("each finding's Slack text is only in its route's webhook's digests: one per fingerprint, licences in none", () => {
    const inDefault = new Set(slackDefault.accepted.flatMap((r) => [...titlesIn(r)]));
    const inSecurity = new Set(slackSecurity.accepted.flatMap((r) => [...titlesIn(r)]));
    const misplaced: string[] = [];
    const sentByFingerprint = new Map<string, number>();
    for (const p of corpus) {
      const { title } = p.input;
      const sent = outcomes.get(p.input.id)!.channels.slack?.kind === 'sent';
      const where = { DEFAULT: inDefault.has(title), SECURITY: inSecurity.has(title) };
      const wanted =
        p.slack === 'off' || !sent
          ? { DEFAULT: false, SECURITY: false }
          : { DEFAULT: p.slack === 'DEFAULT', SECURITY: p.slack === 'SECURITY' };
      if (where.DEFAULT !== wanted.DEFAULT || where.SECURITY !== wanted.SECURITY)
        misplaced.push(`${title}: ${JSON.stringify(where)} (route says ${p.slack}, outcome sent=${sent})`);
      if (sent) sentByFingerprint.set(p.fingerprint, (sentByFingerprint.get(p.fingerprint) ?? 0) + 1);
    }
    expect(misplaced).toEqual([]);
    // DEDUPE_WINDOW_S: each fingerprint announced once, on its own webhook.
    const announced = new Set(corpus.filter((p) => p.slack !== 'off').map((p) => p.fingerprint));
    expect([...sentByFingerprint.keys()].sort()).toEqual([...announced].sort());
    expect([...sentByFingerprint.values()].every((n) => n === 1)).toBe(true);
    expect(inSecurity.size).toBe(10);
    expect(inDefault.size).toBe(25);
  });

  it('digests per webhook: every one starts with [LABEL], lists every finding it counts, none refused', () => {
    for (const [name, stand] of [
      ['default', slackDefault],
      ['SECURITY', slackSecurity],
    ] as const) {
      expect(stand.received.length, name).toBe(stand.accepted.length);
      expect(stand.accepted.length, `${name} digests`).toBeGreaterThanOrEqual(2);
      for (const r of stand.accepted) {
        expect(payloadText(r)).toMatch(/^\[DEV\] /);
        expect(countOf(r)).toBe(titlesIn(r).size);
      }
    }
    const sum = (stand: SlackStandIn) => stand.accepted.reduce((n, r) => n + countOf(r), 0);
    expect(sum(slackSecurity)).toBe(10);
    expect(sum(slackDefault)).toBe(25);
    console.info(
      `[routes-flow] digests: default ${slackDefault.accepted.length} (${slackDefault.accepted.map(countOf).join('+')}), ` +
        `SECURITY ${slackSecurity.accepted.length} (${slackSecurity.accepted.map(countOf).join('+')})`,
    );
  });

  it('each webhook is paced on its own: ~1 message/s (bursts of 3), at most one digest per window', () => {
    const report: string[] = [];
    const broken: string[] = [];
    for (const [name, stand, windowMs] of [
      ['default', slackDefault, DEFAULT_WINDOW_MS],
      ['SECURITY', slackSecurity, SECURITY_WINDOW_MS],
    ] as const) {
      const times = stand.accepted.map((r) => r.at);
      const g = gaps(times);
      report.push(`${name}: min gap ${Math.min(...g)} ms, gaps ${g.join(', ')}`);
      // One digest per dispatcher cycle: never two within the webhook's window.
      for (const [i, gap] of g.entries())
        if (gap < windowMs - MARGIN_MS) broken.push(`${name}: messages ${i}, ${i + 1} ${gap} ms apart`);
      // Slack's rate (1/s sustained, short bursts; the pacer allows 3): any k messages span ≥ (k-3) s.
      for (let i = 0; i < times.length; i++)
        for (let j = i + 3; j < times.length; j++)
          if (times[j]! - times[i]! < (j - i - 2) * 1_000 - RATE_MARGIN_MS)
            broken.push(`${name}: messages ${i}..${j} within ${times[j]! - times[i]!} ms`);
    }
    // Two paces, not one shared: the webhooks' messages come closer together than one pace allows.
    const cross = Math.min(
      ...slackDefault.accepted.flatMap((a) => slackSecurity.accepted.map((b) => Math.abs(a.at - b.at))),
    );
    report.push(`closest default/SECURITY pair ${cross} ms`);
    console.info(`[routes-flow] ${report.join('; ')}`);
    expect(broken).toEqual([]);
    expect(cross).toBeLessThan(1_000);
  });

  it("GitHub: secrets' issues in acme/security-triage, not their repo; one issue per (repo, fingerprint)", () => {
    expect(github.violations).toEqual([]);
    // The hidden marker (its fingerprint %XX-escaped) read as the relay reads it.
    const fingerprintOf = (issue: Record<string, unknown>) => findMarker(issue.body as string | null);
    const byRepo = new Map(
      ['acme/web', 'acme/api', 'acme/security-triage'].map((repo) => [
        repo,
        github.issues(repo).map(fingerprintOf),
      ]),
    );
    for (const [repo, fps] of byRepo) {
      expect(
        fps.every((fp) => fp !== undefined),
        repo,
      ).toBe(true);
      expect(new Set(fps).size, `${repo}: one issue per fingerprint`).toBe(fps.length);
    }
    const expected = new Map<string, Set<string>>();
    for (const p of corpus) {
      if (!('repo' in p.github)) continue;
      const set = expected.get(p.github.repo) ?? new Set<string>();
      set.add(p.fingerprint);
      expected.set(p.github.repo, set);
    }
    for (const [repo, fps] of byRepo)
      expect([...fps].sort(), repo).toEqual([...(expected.get(repo) ?? [])].sort());
    expect(byRepo.get('acme/security-triage')).toHaveLength(10);
    // Each routed issue still says where its finding was found.
    for (const issue of github.issues('acme/security-triage'))
      expect(String(issue.body)).toMatch(
        /\| \*\*Found in\*\* \| (acme\/web|acme\/api|other\/tool) \(sent here by a route\) \|/,
      );
    // No secret-scanner issue in the repos the findings came from.
    for (const repo of ['acme/web', 'acme/api'])
      expect(byRepo.get(repo)!.filter((fp) => fp?.startsWith('secret-scanner-'))).toEqual([]);
    // Each finding the API calls `created` made exactly one issue: one per (repo, fingerprint).
    const created = [...outcomes.values()].filter((o) => o.channels.github?.detail?.startsWith('created '));
    expect(created.length).toBe([...byRepo.values()].reduce((n, fps) => n + fps.length, 0));
    console.info(
      `[routes-flow] issues: ${[...byRepo].map(([repo, fps]) => `${repo} ${fps.length}`).join(', ')}; ` +
        `GitHub requests ${github.requests.length} (${github.requests.filter((r) => r.method !== 'GET').length} writes)`,
    );
  });

  it('the log lines say dropped (mode-disabled) for the licence Slack channel, and hold no secret', () => {
    const parsed = logLines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    expect(parsed.length).toBeGreaterThan(corpus.length);
    const licenceSlackDrops = new Set(
      parsed
        .filter(
          (l) =>
            l.message === 'outcome' &&
            l.channel === 'slack' &&
            l.outcome === 'dropped' &&
            l.reason === 'mode-disabled',
        )
        .map((l) => l.findingId),
    );
    for (const p of corpus.filter((c) => c.slack === 'off')) expect(licenceSlackDrops).toContain(p.input.id);
    expect(licenceSlackDrops.size).toBe(corpus.filter((c) => c.slack === 'off').length);
    // Both webhooks' dispatchers ran (the routed one logs its name, never its URL).
    expect(parsed.some((l) => l.message === 'slack message' && l.webhook === 'SECURITY')).toBe(true);
    expect(parsed.some((l) => l.message === 'slack message' && l.webhook === undefined)).toBe(true);

    const secrets = [TOKEN];
    for (const stand of [slackDefault, slackSecurity]) {
      const path = new URL(stand.url).pathname;
      const key = path.split('/').pop()!;
      secrets.push(stand.url, path, key, key.slice(0, 16));
    }
    const leaks = logLines.flatMap((line, i) =>
      secrets.filter((s) => line.includes(s)).map((s) => `line ${i} contains ${s}: ${line.slice(0, 300)}`),
    );
    expect(leaks).toEqual([]);
  });
});

describe('a malformed routes file', () => {
  it('stops the worker at start with exit 78, naming every problem of every route and no secret', async () => {
    const file = join(tmp, 'bad-routes.yaml');
    await writeFile(
      file,
      `routes:
  - name: secrets
    match: ["agent=~(secret-scanner"]
    slack: { webhook: SECURITY }
  - name: licences
    match: ["agent=~license-.*"]
    slack: { webhok: LICENCES }
    continue: "yes"
`,
    );
    badWorker = spawnWorker({ ...baseEnv, ROUTES_FILE: file, PORT: String(await freePort()) });
    let stderr = '';
    badWorker.child.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    const timer = setTimeout(() => badWorker?.kill('SIGTERM'), 20_000);
    const code = await badWorker.exited;
    clearTimeout(timer);
    expect(code, badWorker.output()).toBe(78);
    expect(stderr).toContain('configuration has 3 problems');
    expect(stderr).toContain(
      `ROUTES_FILE ${file}: route 1 "secrets": match[0]: matcher "agent=~(secret-scanner"`,
    );
    expect(stderr).toContain('route 2 "licences": slack: unknown field webhok');
    expect(stderr).toContain('route 2 "licences": continue: expected true or false');
    for (const secret of [TOKEN, slackDefault.url, slackSecurity.url, new URL(slackSecurity.url).pathname])
      expect(badWorker.output()).not.toContain(secret);
    expect(badWorker.output()).not.toContain('HTTP listening');
  });
});
