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
        [
          '',
          'findings/s (acked)',
          'outbox emptied /s',
          'CPU s / 1k findings',
          'to ack',
          'state tx / 1k',
          'emulator CPU s / 1k',
          'deliveries / finding',
        ],
        [
          [
            'bare subscriber (ack only)',
            range(c.bare.findingsPerS),
            '',
            range(c.bare.cpuSPer1k, 3),
            '',
            '',
            range(c.bare.emulatorCpuSPer1k, 3),
            range(c.bare.deliveriesPerFinding, 2),
          ],
          [
            'relay (staging, Slack on, GitHub dry-run)',
            range(c.relay.findingsPerS),
            c.relay.outboxDrainedPerS ? range(c.relay.outboxDrainedPerS) : '',
            range(c.relay.cpuSPer1k, 3),
            range(c.relay.ackCpuSPer1k, 3),
            c.relay.stateTxPer1k ? range(c.relay.stateTxPer1k, 1) : '',
            range(c.relay.emulatorCpuSPer1k, 3),
            range(c.relay.deliveriesPerFinding, 2),
          ],
          ['relay / ceiling', range(c.ratio, 4), '', '', '', '', '', ''],
          ...(c.firestore
            ? [
                [
                  'relay on Firestore (emulator), same corpus',
                  range(c.firestore.findingsPerS),
                  c.firestore.outboxDrainedPerS ? range(c.firestore.outboxDrainedPerS) : '',
                  range(c.firestore.cpuSPer1k, 3),
                  range(c.firestore.ackCpuSPer1k, 3),
                  c.firestore.stateTxPer1k ? range(c.firestore.stateTxPer1k, 1) : '',
                  range(c.firestore.emulatorCpuSPer1k, 3),
                  range(c.firestore.deliveriesPerFinding, 2),
                ],
                [
                  'relay on Firestore / ceiling',
                  c.firestoreRatio ? range(c.firestoreRatio, 4) : '',
                  '',
                  '',
                  '',
                  '',
                  '',
                  '',
                ],
              ]
            : []),
        ],
      ),
    );
    const first = c.relay.perRep[0]?.relay;
    if (first) {
      out.push(
        `   state transactions / 1k findings by operation (rep 1): ${Object.entries(first.stateTxPer1kByOp)
          .map(([op, n]) => `${op} ${num(n, 1)}`)
          .join(', ')}`,
        `   state file after rep 1: ${num(first.stateFileMb, 1)} MB; rows ${Object.entries(first.stateRows)
          .map(([t, n]) => `${t} ${num(n)}`)
          .join(', ')}; outbox left ${first.outboxLeft}`,
      );
    }
    const f = c.firestore;
    const fs = f?.perRep[0]?.relay?.firestore;
    if (f?.firestoreCommitsPer1k && f.firestoreWritesPer1k && f.firestoreReadsPer1k && fs) {
      const docs = f.perRep[0]!.relay!.stateRows;
      out.push(
        `   Firestore per 1k findings: commits ${range(f.firestoreCommitsPer1k, 1)}, document writes ${range(f.firestoreWritesPer1k)}, reads ${range(f.firestoreReadsPer1k)}; conflict retries (rep 1) ${num(fs.retriesPer1k, 1)}`,
        `   by operation (rep 1; commits/writes/reads): ${Object.entries(fs.byOpPer1k)
          .map(([op, io]) => `${op} ${num(io.commits, 1)}/${num(io.writes)}/${num(io.reads)}`)
          .join(', ')}`,
        `   documents after rep 1: ${Object.entries(docs)
          .map(([t, n]) => `${t} ${num(n)}`)
          .join(
            ', ',
          )}; Firestore emulator CPU ${num(fs.emulatorCpuSPer1k, 3)} s / 1k, RSS ${num(fs.emulatorRssMb)} MB`,
      );
    }
  }
  if (r.latency) {
    const l = r.latency;
    out.push(
      '',
      `2. Latency — offered ${l.perSecond}/s for ${l.seconds} s; publish → ack, and publish → Slack post (delivery recorded done)`,
      ...table(
        [
          'SLACK_BATCH_WINDOW_MS',
          'achieved/s',
          'ack p50 ms',
          'ack p99 ms',
          'ack max ms',
          'post p50 ms',
          'post p99 ms',
          'post max ms',
          'posted',
          'Slack msgs',
          'state tx / 1k',
          'CPU s / 1k',
          'loop delay p99/max ms',
          'deliv./finding',
        ],
        l.runs.map((run) => [
          String(run.slackWindowMs),
          num(run.achievedPerS, 1),
          num(run.ackP50Ms),
          num(run.ackP99Ms),
          num(run.ackMaxMs),
          num(run.postP50Ms),
          num(run.postP99Ms),
          num(run.postMaxMs),
          num(run.postCount),
          num(run.slackMessages),
          num(run.stateTxPer1k, 1),
          num(run.cpuSPer1k, 3),
          `${num(run.eventLoopDelayP99Ms)}/${num(run.eventLoopDelayMaxMs)}`,
          num(run.deliveriesPerFinding, 2),
        ]),
      ),
      `   bare subscriber at the same rate: ack p50 ${num(l.bare.ackP50Ms)} ms, p99 ${num(l.bare.ackP99Ms)} ms, max ${num(l.bare.ackMaxMs)} ms (event-loop delay p99 ${num(l.bare.eventLoopDelayP99Ms)} ms)`,
    );
  }
  if (r.backlog) {
    const b = r.backlog;
    out.push(
      '',
      `3. Backlog — ${num(b.n)} findings published (${b.publishS} s) before the consumer (a child process) starts`,
      `   bare subscriber: drain ${b.bare.drainS} s (${num(b.bare.findingsPerS)}/s), peak RSS ${num(b.bare.peakRssMb)} MB, max in hand ${num(b.bare.maxInHand)}, ${num(b.bare.deliveriesPerFinding, 2)} deliveries/finding`,
      `   relay: drain (acked) ${b.drainS} s (${num(b.findingsPerS)}/s), outbox emptied ${b.outboxDrainedS} s after the first in hand (left ${b.outboxLeft}), peak RSS ${num(b.peakRssMb)} MB, max in hand ${num(b.maxInHand)}, ${num(b.deliveriesPerFinding, 2)} deliveries/finding, CPU ${num(b.cpuSPer1k, 3)} s / 1k, ${num(b.stateTxPer1k, 1)} state tx / 1k, state file ${num(b.stateFileMb, 1)} MB, emulator RSS after ${num(b.emulatorRssMbAfter)} MB`,
      `   relay / bare: findings/s ${num(b.ratio.findingsPerS, 3)}, peak RSS ${num(b.ratio.peakRssMb, 3)}`,
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
          ['state rows kept (deliveries, windows, issue index…)', num(o.stateRowsPer1k, 1), '—'],
          ['state transactions (committed)', num(o.stateTxPer1k, 1), '—'],
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
  if (r.targets.length) {
    out.push(
      '',
      `Targets (issue 14${r.ceiling?.firestore ? ', issue 15 on Firestore' : ''}; ratios within this run, never asserted)`,
      ...table(
        ['', 'value', 'target', ''],
        r.targets.map((t) => [
          t.name,
          num(t.value, t.value < 10 ? 3 : 0),
          `${t.op} ${t.target}`,
          t.met ? 'met' : 'MISSED',
        ]),
      ),
    );
  }
  return out.join('\n');
}

function chunk<T>(items: T[], size: number): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += size) rows.push(items.slice(i, i + size));
  return rows;
}
