import type { LedgerRecord } from '../../src/channels/ledger/types.js';
import { CHANNELS, type ChannelName } from '../../src/channels/types.js';
import type { DeadLetter } from '../../src/dlq/dead-letter-record.js';
import type { RecordedOutcome } from '../../src/state/relay-state.js';
import type { CorpusEntry } from './e2e-corpus.js';
import {
  type DeliveryRecords,
  type GitHubEffect,
  parseDigest,
  type SlackDigest,
} from './e2e-observations.js';
import type { LoggedSettlement } from './e2e-worker.js';
import type { RecordedRequest as GitHubRequest } from './github-stand-in.js';
import type { RecordedRequest as SlackRequest } from './slack-stand-in.js';

/** Everything the run left behind, read after the workers are quiet. */
export interface RunRecords {
  readonly corpus: readonly CorpusEntry[];
  /** The prefix of the corpus ids (group titles carry it too). */
  readonly idPrefix: string;
  /** The sqlite `deliveries` table (outbox and done records), refreshed after the run. */
  readonly done: DeliveryRecords;
  /** Slack stand-in's accepted requests (answered 200 ok). */
  readonly slackAccepted: readonly SlackRequest[];
  /** Every request the Slack stand-in received (whatever it answered): the pace is judged on these. */
  readonly slackReceived?: readonly SlackRequest[];
  /** Every request the GitHub stand-in received. */
  readonly githubRequests?: readonly GitHubRequest[];
  /**
   * When set, content-creating GitHub requests (POST issues, POST comments) must be at least this
   * far apart fleet-wide (the relay's floor is 1 s; tests may lower GITHUB_WRITE_INTERVAL_MS).
   */
  readonly githubMinGapMs?: number;
  /**
   * This process's event-loop stalls as [end (epoch ms), length ms] (Scenario.loopStalls): the
   * stand-ins stamp a request when their handler runs here, so a stall makes a stamp late and
   * the gap after it short by as much. Only such a gap is excused.
   */
  readonly loopStalls?: ReadonlyArray<readonly [number, number]>;
  /**
   * Side effects a crash may repeat (docs/contract.md §4: a crash between a side effect and its
   * done-record repeats at most that one digest or issue write): one per SIGKILL. 0 otherwise.
   */
  readonly allowedRepeats?: number;
  /**
   * When each SIGKILLed worker was seen dead (epoch ms). A repeated digest re-lists the most severe
   * of what is due then, which need not be what the first one listed: the excess of covered over
   * sent findings is instead bounded by the last digest accepted before each kill (the one a
   * killed holder may have posted without recording it).
   */
  readonly killedAt?: readonly number[];
  /** The `[LABEL] ` every Slack text starts with, e.g. `DEV`. */
  readonly slackLabel: string;
  readonly githubEffects: readonly GitHubEffect[];
  /** The GitHub stand-in's OpenAPI violations (described). */
  readonly githubViolations: readonly string[];
  readonly deadLetters: readonly DeadLetter[];
  /**
   * Each finding's last intake settlement from the workers' logs. A channel intake made final
   * itself (dropped by the route: not-allowlisted, below-severity, …) has no row in the state
   * store; its outcome is taken from the acked settlement's log line.
   */
  readonly loggedSettlements?: ReadonlyMap<string, LoggedSettlement>;
  readonly ledger: readonly LedgerRecord[];
  /** DEDUPE_WINDOW_S; the run must fit in it for the "announced once" checks. */
  readonly dedupeWindowS: number;
}

export interface InvariantReport {
  /** Broken promises: each one a real finding. */
  readonly violations: string[];
  /** Odd but allowed (e.g. an issue made by a finding that was then dead-lettered). */
  readonly notes: string[];
  /** `slack:sent`, `github:dropped:duplicate`, … per finding. */
  readonly outcomes: Record<string, number>;
  readonly deadLetters: { readonly total: number; readonly byReason: Record<string, number> };
  readonly slack: { readonly digests: number; readonly covered: number; readonly sentFindings: number };
  readonly github: { readonly issues: number; readonly openIssues: number; readonly comments: number };
  /** Side effects repeated (allowed up to `allowedRepeats`): digests listing a finding again, extra GitHub writes. */
  readonly repeats: { readonly slackDigests: number; readonly githubWrites: number };
  readonly pace: {
    /** Smallest gap between two Slack requests (ms), and how many gaps were under 900 ms. */
    readonly slackMinGapMs: number | undefined;
    readonly slackGapsUnder900: number;
    /** Smallest gap between two content-creating GitHub requests (ms). */
    readonly githubMinGapMs: number | undefined;
    /** The smallest gap not explained by a stall of the test process (checked only with githubMinGapMs). */
    readonly githubMinGapUnexplainedMs?: number | undefined;
    readonly githubWrites: number;
  };
}

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** Groups values by a key. */
function groupBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k) ?? [];
    list.push(item);
    out.set(k, list);
  }
  return out;
}

/**
 * The relay's promises, checked from what the stand-ins, the store and the dead-letter topic
 * recorded: every finding has exactly one final outcome per channel or is dead-lettered with a
 * reason; Slack covers each announced finding once; at most one open issue per (repo,
 * fingerprint); no event's side effect happened twice.
 */
export function checkInvariants(run: RunRecords): InvariantReport {
  const violations: string[] = [];
  const notes: string[] = [];
  const fromLogs: string[] = [];
  /** The final outcome: the done row, else what an acked intake settlement logged as final. */
  const outcomeOf = (id: string, channel: ChannelName): RecordedOutcome | undefined => {
    const recorded = run.done.outcome(id, channel);
    if (recorded) return recorded;
    const logged = run.loggedSettlements?.get(id);
    const text = logged?.kind === 'ack' ? logged.outcomes.get(channel) : undefined;
    if (!text) return undefined;
    const [kind, reason] = text.split(':');
    if (kind === 'sent' || kind === 'dry-run') return { kind };
    if (kind === 'dropped') return { kind: 'dropped', reason };
    return undefined;
  };
  const allowed = run.allowedRepeats ?? 0;
  const byId = new Map(run.corpus.map((e) => [e.finding.id, e.finding]));
  const dead = groupBy(
    run.deadLetters.filter((l) => l.findingId !== undefined),
    (l) => l.findingId!,
  );

  // 1. Exactly one final outcome per channel, or on the dead-letter topic with a reason.
  const outcomes: Record<string, number> = {};
  for (const { finding } of run.corpus) {
    const onDlq = dead.has(finding.id);
    let final = 0;
    for (const channel of CHANNELS) {
      const o = outcomeOf(finding.id, channel);
      const row = run.done.row(finding.id, channel);
      if (o && !row) fromLogs.push(`${finding.id}/${channel}`);
      if (o && row?.state === 'queued')
        violations.push(
          `${finding.id}/${channel}: acked as final (${o.kind}) but still queued in the outbox`,
        );
      if (row?.state === 'dead-lettered') {
        final += 1;
        bump(outcomes, `${channel}:dead-lettered:${String(row.outcome?.reason ?? '?')}`);
        if (!onDlq)
          violations.push(
            `lost: ${finding.id}/${channel} is dead-lettered in the store but not on the dead-letter topic`,
          );
      } else if (o) {
        final += 1;
        bump(outcomes, `${channel}:${o.kind}${o.kind === 'dropped' ? `:${String(o.reason)}` : ''}`);
      } else if (!onDlq) {
        const logged = run.loggedSettlements?.get(finding.id);
        violations.push(
          `lost: ${finding.id} has no final ${channel} outcome (delivery ${row ? `${row.state} after ${row.attempts} attempts${row.cause ? `: ${row.cause}` : ''}` : 'absent'}; last intake settlement ${logged ? `${logged.kind} ${logged.outcomes.get(channel) ?? ''}` : 'none'}) and is not on the dead-letter topic`,
        );
      }
    }
    if (onDlq) bump(outcomes, final === CHANNELS.length ? 'dead-letter (all channels final)' : 'dead-letter');
  }
  if (fromLogs.length > 0)
    notes.push(
      `${fromLogs.length} final outcomes were decided by intake (no outbox entry: dropped by the route), known from the workers' logs (e.g. ${fromLogs.slice(0, 3).join(', ')})`,
    );
  const byReason: Record<string, number> = {};
  for (const letter of run.deadLetters) {
    bump(byReason, letter.reason);
    if (letter.reason === 'unknown' || letter.reason === '')
      violations.push(`dead letter ${letter.messageId} (${letter.findingId}) carries no reason`);
    if (letter.findingId === undefined || !byId.has(letter.findingId))
      violations.push(`dead letter ${letter.messageId} is not a published finding (${letter.findingId})`);
  }
  for (const [id, letters] of dead)
    if (letters.length > 1) notes.push(`${id} is on the dead-letter topic ${letters.length} times`);

  // 2. Slack: the digests' counts add up to the findings sent; no finding listed twice.
  const digests: SlackDigest[] = run.slackAccepted.map((r) => parseDigest(r, run.idPrefix));
  const prefix = `[${run.slackLabel}] `;
  digests.forEach((d, i) => {
    if (!d.text.startsWith(prefix)) violations.push(`slack digest ${i} does not start with "${prefix}"`);
    if (d.covers === undefined) violations.push(`slack digest ${i}: no finding count in its header`);
  });
  const covered = digests.reduce((sum, d) => sum + (d.covers ?? 0), 0);
  const slackSent = run.corpus.filter((e) => outcomeOf(e.finding.id, 'slack')?.kind === 'sent');
  // A digest listing a finding an earlier digest listed: a repeat (a crash before its done-record).
  const seenListed = new Set<string>();
  let repeatedDigests = 0;
  let repeatedCover = 0;
  for (const d of digests) {
    if (d.listed.some((k) => seenListed.has(k))) {
      repeatedDigests += 1;
      repeatedCover += d.covers ?? 0;
    }
    for (const k of d.listed) seenListed.add(k);
  }
  const slackRepeatsAllowed = repeatedDigests <= allowed;
  if (repeatedDigests > 0)
    (slackRepeatsAllowed ? notes : violations).push(
      `slack: ${repeatedDigests} digest(s) repeated findings an earlier digest listed (allowed: ${allowed})`,
    );
  const lastBeforeKills = (run.killedAt ?? []).slice(0, allowed).reduce((sum, killedAt) => {
    const before = digests.filter((d) => d.at <= killedAt);
    return sum + (before.at(-1)?.covers ?? 0);
  }, 0);
  const excess = covered - slackSent.length;
  const excessOk = slackRepeatsAllowed && excess > 0 && excess <= Math.max(repeatedCover, lastBeforeKills);
  if (excessOk && excess > repeatedCover)
    notes.push(
      `slack: digests cover ${excess} findings more than were sent, within the last digest before a kill (${lastBeforeKills})`,
    );
  if (covered !== slackSent.length && !excessOk) {
    violations.push(
      covered > slackSent.length
        ? `slack: accepted digests cover ${covered} findings but only ${slackSent.length} have outcome sent (a finding or a digest was posted twice)`
        : `slack: ${slackSent.length} findings have outcome sent but accepted digests cover only ${covered} (a "sent" finding never reached Slack)`,
    );
  }
  const listedIn = new Map<string, number[]>();
  digests.forEach((d, i) => {
    for (const key of d.listed) listedIn.set(key, [...(listedIn.get(key) ?? []), i]);
  });
  for (const [key, where] of listedIn) {
    if (where.length > 1 && !(slackRepeatsAllowed && where.length === 2))
      violations.push(`slack: ${key} is listed in ${where.length} digests (${where.join(', ')})`);
    if (!key.startsWith('group:') && outcomeOf(key, 'slack')?.kind !== 'sent')
      violations.push(`slack: ${key} was posted but its slack outcome is ${outcomeOf(key, 'slack')?.kind}`);
  }
  for (const [fp, entries] of groupBy(run.corpus, (e) => e.finding.fingerprint)) {
    const kinds = entries.map((e) => outcomeOf(e.finding.id, 'slack')?.kind);
    const sent = kinds.filter((k) => k === 'sent').length;
    if (sent > 1)
      violations.push(`slack: fingerprint ${fp} announced ${sent} times within the dedupe window`);
    if (sent === 0 && kinds.some((k) => k !== undefined)) {
      const dl = entries.filter((e) => dead.has(e.finding.id)).map((e) => e.finding.id);
      if (dl.length === 0) violations.push(`slack: fingerprint ${fp} settled but never announced`);
      else notes.push(`slack: fingerprint ${fp} is announced by nobody; ${dl.join(', ')} dead-lettered`);
    }
  }

  // 3. GitHub: one open issue per (repo, fingerprint); one side effect per event.
  const effects = run.githubEffects;
  let extraWrites = 0;
  const repeatedWrites: string[] = [];
  for (const v of run.githubViolations) violations.push(`github OpenAPI: ${v}`);
  for (const [key, open] of groupBy(
    effects.filter((e) => e.kind === 'issue' && e.state === 'open'),
    (e) => `${e.repo.toLowerCase()} ${e.fingerprint}`,
  ))
    if (open.length > 1)
      violations.push(
        `github: ${open.length} open issues for ${key} (#${open.map((e) => e.issue).join(', #')})`,
      );
  for (const [eventId, made] of groupBy(effects, (e) => e.eventId ?? '?')) {
    const where = made.map((e) => `${e.kind} ${e.repo}#${e.issue}`).join(', ');
    if (eventId === '?' || !byId.has(eventId)) {
      violations.push(`github: ${where} made for an unknown event ${eventId}`);
      continue;
    }
    if (made.length > 1) {
      extraWrites += made.length - 1;
      repeatedWrites.push(`github: ${eventId} made ${made.length} side effects: ${where}`);
    }
    const outcome = outcomeOf(eventId, 'github');
    if (outcome?.kind !== 'sent') {
      const why = dead.has(eventId)
        ? 'dead-lettered'
        : `outcome ${outcome?.kind}${outcome?.kind === 'dropped' ? `:${String(outcome.reason)}` : ''}`;
      notes.push(`github: ${where} was made by ${eventId}, which is ${why}`);
    }
  }
  for (const { finding } of run.corpus) {
    const o = outcomeOf(finding.id, 'github');
    if (o?.kind !== 'sent') continue;
    const target = /^(created|commented on) (\S+)#(\d+)$/.exec(String(o.detail ?? ''));
    const made = effects.find(
      (e) =>
        e.eventId === finding.id &&
        (!target ||
          (e.kind === (target[1] === 'created' ? 'issue' : 'comment') &&
            e.repo.toLowerCase() === target[2]!.toLowerCase() &&
            e.issue === Number(target[3]))),
    );
    if (!made)
      violations.push(
        `github: ${finding.id} is sent (${String(o.detail)}) but no such issue or comment exists`,
      );
  }
  for (const [key, entries] of groupBy(
    run.corpus.filter((e) => e.finding.repo),
    (e) => `${e.finding.repo!.toLowerCase()} ${e.finding.fingerprint}`,
  )) {
    const settled = entries.some((e) => outcomeOf(e.finding.id, 'github')?.kind === 'sent');
    const hasIssue = effects.some(
      (e) => e.kind === 'issue' && `${e.repo.toLowerCase()} ${e.fingerprint}` === key,
    );
    if (settled && !hasIssue)
      violations.push(`github: findings of ${key} settled but no issue carries its marker`);
  }
  if (extraWrites > 0) {
    if (extraWrites <= allowed)
      notes.push(
        `${extraWrites} GitHub write(s) repeated (allowed: ${allowed}): ${repeatedWrites.join('; ')}`,
      );
    else violations.push(...repeatedWrites, `github: ${extraWrites} writes repeated (allowed: ${allowed})`);
  }
  const windowMs = run.dedupeWindowS * 1000;
  for (const [, comments] of groupBy(
    effects.filter((e) => e.kind === 'comment'),
    (e) => `${e.repo}#${e.issue}`,
  )) {
    const issue = effects.find(
      (e) => e.kind === 'issue' && e.repo === comments[0]!.repo && e.issue === comments[0]!.issue,
    );
    const times = [issue?.createdAt, ...comments.map((c) => c.createdAt)].map((t) => Date.parse(t ?? ''));
    for (let i = 1; i < times.length; i++)
      if (times[i]! - times[i - 1]! < windowMs - 1_000)
        violations.push(
          `github: ${comments[0]!.repo}#${comments[0]!.issue} got a comment within the dedupe window`,
        );
  }

  // 4. The ledger holds exactly the dry-run outcomes.
  for (const [id, records] of groupBy(run.ledger, (r) => r.findingId)) {
    if (outcomeOf(id, 'github')?.kind !== 'dry-run')
      violations.push(`ledger: ${records.length} record(s) for ${id}, whose github outcome is not dry-run`);
    if (records.length > 1) violations.push(`ledger: ${records.length} records for ${id}`);
  }

  // 5. Pace. Slack: ~1 message/s per webhook, short bursts allowed (as Slack documents and the
  // relay's pacer does: 1/s, burst 3): any n consecutive requests span at least (n - 3) s.
  const slackTimes = (run.slackReceived ?? []).map((r) => r.at).sort((a, b) => a - b);
  const gaps = slackTimes.slice(1).map((t, i) => t - slackTimes[i]!);
  for (let i = 0; i < slackTimes.length; i++)
    for (let n = 4; n <= 12 && i + n - 1 < slackTimes.length; n++) {
      const span = slackTimes[i + n - 1]! - slackTimes[i]!;
      if (span < (n - 3) * 1000 - 100) {
        violations.push(`slack pace: ${n} requests within ${span} ms (from request ${i})`);
        break;
      }
    }
  // GitHub: content-creating requests fleet-wide.
  const writes = (run.githubRequests ?? [])
    .filter((r) => r.method === 'POST' && /\/(issues|comments)$/.test(r.path))
    .map((r) => r.at)
    .sort((a, b) => a - b);
  const writeGaps = writes.slice(1).map((t, i) => t - writes[i]!);
  let unexplainedMinGap: number | undefined;
  if (run.githubMinGapMs !== undefined) {
    // `at` is when the stand-in handled the request, in this (test) process, whose event loop
    // stalls while it parses the workers' logs: a late stamp makes the gap after it short. A gap
    // short by more than 50 ms of jitter (timers, HTTP on both sides; measured ≤ 31 ms) passes
    // only if a stall of this process that ended at the earlier stamp accounts for the rest.
    const stalls = run.loopStalls ?? [];
    const excused = (i: number, shortBy: number) =>
      stalls.some(([end, ms]) => end >= writes[i]! - 25 && end <= writes[i]! + 60 && ms >= shortBy - 50);
    const close = writeGaps.flatMap((g, i) =>
      g < run.githubMinGapMs! - 50 && !excused(i, run.githubMinGapMs! - g) ? [g] : [],
    );
    unexplainedMinGap = Math.min(
      ...writeGaps.filter((g, i) => g >= run.githubMinGapMs! - 50 || !excused(i, run.githubMinGapMs! - g)),
    );
    if (close.length > 0)
      violations.push(
        `github pace: ${close.length} content-creating requests less than ${run.githubMinGapMs - 50} ms after the previous one, not explained by a stall of the test process (smallest gap ${Math.min(...close)} ms)`,
      );
  }

  const issues = effects.filter((e) => e.kind === 'issue');
  return {
    repeats: { slackDigests: repeatedDigests, githubWrites: extraWrites },
    pace: {
      slackMinGapMs: gaps.length ? Math.min(...gaps) : undefined,
      slackGapsUnder900: gaps.filter((g) => g < 900).length,
      githubMinGapMs: writeGaps.length ? Math.min(...writeGaps) : undefined,
      githubMinGapUnexplainedMs:
        unexplainedMinGap === undefined || !Number.isFinite(unexplainedMinGap)
          ? undefined
          : unexplainedMinGap,
      githubWrites: writes.length,
    },
    violations,
    notes,
    outcomes,
    deadLetters: { total: run.deadLetters.length, byReason },
    slack: { digests: digests.length, covered, sentFindings: slackSent.length },
    github: {
      issues: issues.length,
      openIssues: issues.filter((e) => e.state === 'open').length,
      comments: effects.length - issues.length,
    },
  };
}

/**
 * The secrets (webhook URL path, token) must appear nowhere the run left text: worker logs (every
 * error message included), dead letters, the ledger. Returns one violation per (secret, place).
 */
export function findSecretLeaks(
  secrets: readonly { name: string; value: string }[],
  places: readonly { where: string; text: string }[],
): string[] {
  const leaks: string[] = [];
  for (const secret of secrets) {
    if (secret.value.length < 8) throw new Error(`secret ${secret.name} is too short to scan for`);
    for (const place of places) {
      const at = place.text.indexOf(secret.value);
      if (at >= 0) leaks.push(`secret leak: ${secret.name} in ${place.where} (at character ${at})`);
    }
  }
  return leaks;
}
