import type { BenchResults } from './results-types.js';
import type { Spread } from './stats.js';

/** The table `npm run bench` prints. */

const num = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';
const range = (s: Spread, digits = 0) =>
  `${num(s.median, digits)} [${num(s.min, digits)}–${num(s.max, digits)}]`;

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

export function formatReport(r: BenchResults): string {
  const m = r.meta;
  const out: string[] = [
    `finding-relay bench — ${m.startedAt} — ${m.machine.cpus} CPUs (${m.machine.cpuModel}), load ${m.machine.loadAverage.start} → ${m.machine.loadAverage.end}, node ${m.node}${m.commit ? `, commit ${m.commit}` : ''}, ${m.durationS} s`,
    `consumers: ${m.consumers}`,
  ];
  if (r.corpus) {
    const c = r.corpus;
    out.push(
      `corpus: ${num(c.n)} findings, ${c.bytes.min}–${c.bytes.max} B (median ${c.bytes.median}), ${num(c.sharingFingerprint)} sharing a fingerprint, ${num(c.distinctFingerprints)} distinct fingerprints, ${num(c.allowlisted)} in allowlisted repos`,
    );
  }
  if (r.ceiling) {
    const c = r.ceiling;
    out.push(
      '',
      `1. Ceiling vs relay — ${num(c.n)} findings drained from a backlog, ${c.reps} rep(s), median [min–max]`,
      ...table(
        ['', 'findings/s', 'CPU s / 1k findings', 'emulator CPU s / 1k', 'deliveries / finding'],
        [
          [
            'bare subscriber (ack only)',
            range(c.bare.findingsPerS),
            range(c.bare.cpuSPer1k, 3),
            range(c.bare.emulatorCpuSPer1k, 3),
            range(c.bare.deliveriesPerFinding, 2),
          ],
          [
            'relay (staging, Slack on, GitHub dry-run)',
            range(c.relay.findingsPerS),
            range(c.relay.cpuSPer1k, 3),
            range(c.relay.emulatorCpuSPer1k, 3),
            range(c.relay.deliveriesPerFinding, 2),
          ],
          ['relay / ceiling', range(c.ratio, 4), '', '', ''],
        ],
      ),
    );
  }
  if (r.latency) {
    const l = r.latency;
    out.push(
      '',
      `2. Latency — publish → settled, offered ${l.perSecond}/s for ${l.seconds} s`,
      ...table(
        [
          'SLACK_BATCH_WINDOW_MS',
          'achieved/s',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'max ms',
          'Slack msgs',
          'deliv./finding',
        ],
        l.runs.map((run) => [
          String(run.slackWindowMs),
          num(run.achievedPerS, 1),
          num(run.p50Ms),
          num(run.p95Ms),
          num(run.p99Ms),
          num(run.maxMs),
          num(run.slackMessages),
          num(run.deliveriesPerFinding, 2),
        ]),
      ),
    );
  }
  if (r.backlog) {
    const b = r.backlog;
    out.push(
      '',
      `3. Backlog — ${num(b.n)} findings published (${b.publishS} s) before the relay (a child process) starts`,
      `   drain ${b.drainS} s (${num(b.findingsPerS)}/s), relay peak RSS ${num(b.peakRssMb)} MB, max in hand ${num(b.maxInHand)}, ${num(b.deliveriesPerFinding, 2)} deliveries/finding, emulator RSS after ${num(b.emulatorRssMbAfter)} MB`,
      `   t s: RSS MB / in hand / settled`,
      ...chunk(
        b.series.map((s) => `${(s.t / 1000).toFixed(1)}: ${Math.round(s.rssMb)}/${s.inHand}/${s.settled}`),
        6,
      ).map((row) => `   ${row.join('   ')}`),
    );
  }
  if (r.outbound) {
    const o = r.outbound;
    out.push(
      '',
      `4. Outbound per 1,000 findings (${num(o.n)}-finding corpus, one relay run)`,
      ...table(
        ['', 'relay', 'naive (one per finding)'],
        [
          ['Slack messages', num(o.slackMessagesPer1k, 2), num(o.naivePer1k.slack, 1)],
          ['GitHub requests sent (DRY_RUN)', num(o.githubRequestsPer1k, 2), '—'],
          [
            'GitHub requests REAL would send (ledger records)',
            num(o.realGithubRequestsPer1k, 1),
            num(o.naivePer1k.github, 1),
          ],
          ['ledger objects written', num(o.ledgerObjectsPer1k, 2), '—'],
          ['state objects kept (claims, windows, index)', num(o.stateObjectsPer1k, 1), '—'],
        ],
      ),
    );
  }
  if (r.profile) {
    const p = r.profile;
    out.push(
      '',
      `Profile of one relay run (${num(p.busyMs / 1000, 1)} s busy, ${num(p.idleMs / 1000, 1)} s idle): self time by owner`,
      ...p.byOwner.slice(0, 10).map((o) => `   ${o.share.toFixed(1).padStart(5)}%  ${o.owner}`),
      '   our files, inclusive (synchronous stacks):',
      ...p.ownInclusive.slice(0, 8).map((o) => `   ${o.share.toFixed(1).padStart(5)}%  ${o.file}`),
      `   ${p.file}`,
    );
  }
  return out.join('\n');
}

function chunk<T>(items: T[], size: number): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += size) rows.push(items.slice(i, i + size));
  return rows;
}
