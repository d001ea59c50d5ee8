import type { Outcome } from '../channels/types.js';
import { DEPLOYMENT_ENVS } from '../config/types.js';
import { formatAge } from '../dlq/duration.js';
import type { ReadinessReport } from '../policy/readiness.js';
import { escapeHtml as h } from './html.js';
import type { MinuteCount } from './outcomes-per-minute.js';
import type { OutcomeSummary } from './recent-outcomes.js';
import type { CounterRow } from './status-counters.js';

export interface StatusPageInput {
  readonly report: ReadinessReport;
  readonly startedAt: Date;
  /** Relay lifecycle: running, draining or stopped. */
  readonly state: string;
  /** null when ready; otherwise why not (as on /readyz). */
  readonly notReady: string | null;
  readonly counters: readonly CounterRow[];
  /** Dead letters this worker published since start, by reason. */
  readonly deadLettered: Readonly<Record<string, number>>;
  /** Newest first. */
  readonly outcomes: readonly OutcomeSummary[];
  /** Where dry-run ledger records go, or undefined without a store. */
  readonly ledgerLocation: string | undefined;
  /** The outbox per channel (fleet-wide), or undefined without state or when the store did not answer. */
  readonly outbox?: ReadonlyArray<{ channel: string; items: number; oldestAgeS: number }> | undefined;
  /** Channel outcomes per minute, oldest first (the last hour): drawn as an inline SVG chart. */
  readonly perMinute?: readonly MinuteCount[] | undefined;
  /** The GitHub web root issue links point at (see githubWebRoot); none without it. */
  readonly githubWebRoot?: string | undefined;
  /** Active silences of this environment (undefined without a state store). */
  readonly silences?: readonly SilenceRow[] | undefined;
  /** The page reloads itself this often (a meta refresh: no script). */
  readonly refreshSeconds?: number | undefined;
}

export interface SilenceRow {
  readonly id: string;
  readonly matchers: readonly string[];
  readonly channel?: string | undefined;
  readonly author: string;
  readonly reason: string;
  readonly endsAt: string;
  readonly leftMs: number;
}

function silencesTable(silences: StatusPageInput['silences']): string {
  if (!silences) return '<p id="silences">none (no state store)</p>';
  if (silences.length === 0) return '<p id="silences">none active</p>';
  const rows = silences
    .map(
      (s) =>
        `<tr data-silence="${h(s.id)}"><td data-label="matchers"><code>${h(s.matchers.join(' '))}</code></td>` +
        `<td data-label="channel">${h(s.channel ?? 'slack+github')}</td>` +
        `<td data-label="author">${h(s.author)}</td><td data-label="reason">${h(s.reason)}</td>` +
        `<td data-label="time left" title="${h(s.endsAt)}">${h(formatAge(s.leftMs))}</td>` +
        `<td data-label="id"><code>${h(s.id)}</code></td></tr>`,
    )
    .join('\n');
  return `<table class="stack" id="silences"><thead><tr><th>matchers</th><th>channel</th><th>author</th><th>reason</th><th>time left</th><th>id</th></tr></thead><tbody>
${rows}</tbody></table>`;
}

/**
 * The web root for GITHUB_API_URL: https://github.com for api.github.com, else the URL's origin
 * (GitHub Enterprise Server serves its API under /api/v3 of its web host). undefined if unparsable.
 */
export function githubWebRoot(apiUrl: string | undefined): string | undefined {
  if (!apiUrl) return undefined;
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.hostname === 'api.github.com') return 'https://github.com';
  return url.origin;
}

const ISSUE_REF =
  /(?:^|\s)([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)\/([A-Za-z0-9._-]+)#(\d{1,10})(?=$|[\s.,;:)])/;

/** The issue a GitHub `sent` detail names (`created owner/repo#12`), as a URL under `webRoot`. */
export function issueUrl(detail: string | undefined, webRoot: string | undefined): string | undefined {
  if (!detail || !webRoot) return undefined;
  const m = ISSUE_REF.exec(detail);
  if (!m) return undefined;
  const [, owner, repo, number] = m;
  if (repo === '.' || repo === '..') return undefined;
  return `${webRoot}/${encodeURIComponent(owner!)}/${encodeURIComponent(repo!)}/issues/${number}`;
}

const STYLE = `
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,sans-serif;margin:0 auto;padding:.75rem;max-width:72rem;color:#1b1b1b;background:#fff}
h1{font-size:1.4rem;margin:.2rem 0 .5rem}h2{font-size:1.1rem;margin:1.4rem 0 .3rem}
table{border-collapse:collapse;width:100%;margin:.3rem 0 1rem}
th,td{border:1px solid #d0d0d0;padding:.3rem .45rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
.long{overflow-wrap:anywhere;min-width:6rem}
thead th{background:#f3f3f3}
code,.id{font-family:ui-monospace,monospace;font-size:.85em;overflow-wrap:anywhere}
td.num{text-align:right;white-space:nowrap}
.mode{font-weight:600}.bad{color:#b00020;font-weight:600}.good{color:#1a7f37;font-weight:600}
.note{color:#555;font-size:.9em}
figure{margin:.3rem 0 1rem}#per-minute svg{display:block;border:1px solid #d0d0d0;background:#fafafa}
#per-minute .hit{fill:transparent}#per-minute .done{fill:#1a7f37}#per-minute .failed{fill:#b00020}
#per-minute .axis{stroke:#999;stroke-width:1}.key-done{color:#1a7f37}.key-failed{color:#b00020}
a.issue{color:#0645ad}
@media (max-width:40rem){
 table.stack thead{display:none}
 table.stack,table.stack tbody,table.stack tr,table.stack th,table.stack td{display:block;width:auto}
 table.stack tr{border:1px solid #d0d0d0;margin:0 0 .5rem}
 table.stack th,table.stack td{border:0;padding:.1rem .45rem}
 table.stack td[data-label]::before{content:attr(data-label) ": ";font-weight:600}
}`;

/** Outcome of one channel as a short phrase, e.g. `dropped (no-repo)` or `dry-run → ledger/dev/…`. */
export function describeOutcome(o: Outcome | undefined): string {
  if (!o) return '—';
  switch (o.kind) {
    case 'queued':
      return 'queued (outbox)';
    case 'sent':
      return o.detail ? `sent: ${o.detail}` : 'sent';
    case 'dry-run':
      return `dry-run → ${o.ledgerKey}`;
    case 'dropped':
      return `dropped (${o.reason})`;
    case 'transient':
      return `transient: ${o.cause}`;
    case 'permanent':
      return `permanent (${o.reason}): ${o.cause}`;
  }
}

const cell = (label: string, value: unknown, attrs = '') =>
  `<td data-label="${h(label)}"${attrs}>${h(value)}</td>`;

function channelsTable(report: ReadinessReport): string {
  const row = (name: string, mode: string, status: string, reason: string) =>
    `<tr><th>${h(name)}</th>${cell('mode', mode, ` class="mode" id="${name}-mode"`)}` +
    `${cell('status', status, ` id="${name}-status"`)}${cell('why', reason, ` class="long" id="${name}-reason"`)}</tr>`;
  return `<table class="stack" id="channels"><thead><tr><th>channel</th><th>mode</th><th>status</th><th>why</th></tr></thead><tbody>
${row('slack', report.slack.mode, report.slack.status, report.slack.reason)}
${row('github', report.github.mode, report.github.status, report.github.reason)}
${row('storage', '—', report.storage.status, report.storage.reason)}
${row('state', report.state.backend, report.state.status, report.state.reason)}</tbody></table>`;
}

function matrixTable(report: ReadinessReport): string {
  const rows = DEPLOYMENT_ENVS.map((env) => {
    const r = report.matrix[env];
    const current = env === report.environment ? ' <span class="note">(current)</span>' : '';
    return (
      `<tr data-env="${h(env)}"><th>${h(env)}${current}</th>` +
      cell('slack', `${r.slack.mode} · ${r.slack.status}`, ' data-part="slack"') +
      cell('github', `${r.github.mode} · ${r.github.status}`, ' data-part="github"') +
      cell('storage', r.storage.status, ' data-part="storage"') +
      '</tr>'
    );
  }).join('\n');
  return `<table class="stack" id="matrix"><thead><tr><th>environment</th><th>slack (mode · status)</th><th>github (mode · status)</th><th>storage</th></tr></thead><tbody>
${rows}</tbody></table>`;
}

function outboxTable(outbox: StatusPageInput['outbox']): string {
  if (!outbox) return '<p id="outbox">not known (no state store, or it did not answer)</p>';
  const rows = outbox
    .map(
      (o) =>
        `<tr data-outbox="${h(o.channel)}"><th>${h(o.channel)}</th>` +
        `<td class="num" data-label="waiting">${h(o.items)}</td>` +
        `<td class="num" data-label="oldest">${h(Math.round(o.oldestAgeS))} s</td></tr>`,
    )
    .join('\n');
  return `<table class="stack" id="outbox"><thead><tr><th>channel</th><th>waiting</th><th>oldest</th></tr></thead><tbody>
${rows}</tbody></table>`;
}

function countersTable(counters: readonly CounterRow[]): string {
  const rows = counters
    .map(
      (c) => `<tr><th>${h(c.label)}</th><td class="num" data-counter="${h(c.key)}">${h(c.value)}</td></tr>`,
    )
    .join('\n');
  return `<table id="counters"><tbody>${rows}</tbody></table>`;
}

function deadLetterTable(byReason: Readonly<Record<string, number>>): string {
  // Most frequent first, ties by name: as `finding-relay dlq stats` orders them.
  const entries = Object.entries(byReason).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return '<p id="dead-letters">none</p>';
  const rows = entries
    .map(
      ([reason, n]) =>
        `<tr><th>${h(reason)}</th><td class="num" data-dead-letter="${h(reason)}">${h(n)}</td></tr>`,
    )
    .join('\n');
  return `<table id="dead-letters"><tbody>${rows}</tbody></table>`;
}

/** The github cell: a `sent` outcome links to the issue its detail names. */
function githubCell(o: Outcome | undefined, webRoot: string | undefined): string {
  const url = o?.kind === 'sent' ? issueUrl(o.detail, webRoot) : undefined;
  if (!url) return cell('github', describeOutcome(o), ' class="long"');
  return (
    `<td data-label="github" class="long"><a class="issue" href="${h(url)}" rel="noopener noreferrer">` +
    `${h(describeOutcome(o))}</a></td>`
  );
}

const CHART_W = 600;
const CHART_H = 120;

/** Outcomes per minute as stacked bars (done below, failed above): inline SVG, no script. */
function perMinuteChart(series: readonly MinuteCount[] | undefined): string {
  if (!series || series.length === 0) return '<p id="per-minute">not kept</p>';
  const busiest = Math.max(0, ...series.map((m) => m.done + m.failed));
  const max = Math.max(1, busiest);
  const slot = CHART_W / series.length;
  const y = (n: number) => (n / max) * (CHART_H - 4);
  const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);
  const bars = series
    .map((m, i) => {
      const x = (i * slot).toFixed(1);
      const w = Math.max(1, slot - 2).toFixed(1);
      const hd = y(m.done);
      const hf = y(m.failed);
      const rect = (top: number, height: number, cls: string) =>
        height > 0
          ? `<rect class="${cls}" x="${x}" y="${(CHART_H - top - height).toFixed(1)}" width="${w}" height="${height.toFixed(1)}"/>`
          : '';
      return (
        `<g data-minute="${h(new Date(m.minuteStart).toISOString())}" data-done="${h(m.done)}" data-failed="${h(m.failed)}">` +
        `<title>${h(`${hhmm(m.minuteStart)} UTC: ${m.done} done, ${m.failed} failed`)}</title>` +
        `<rect class="hit" x="${x}" y="0" width="${slot.toFixed(1)}" height="${CHART_H}"/>` +
        rect(0, hd, 'done') +
        rect(hd, hf, 'failed') +
        '</g>'
      );
    })
    .join('');
  const done = series.reduce((n, m) => n + m.done, 0);
  const failed = series.reduce((n, m) => n + m.failed, 0);
  const summary =
    `${done + failed} outcomes in the last ${series.length} minutes (${failed} failed); ` +
    `busiest minute ${busiest}`;
  return `<figure id="per-minute"><svg role="img" aria-labelledby="per-minute-summary" viewBox="0 0 ${CHART_W} ${CHART_H}" preserveAspectRatio="none" width="100%" height="120">
<line x1="0" y1="${CHART_H - 0.5}" x2="${CHART_W}" y2="${CHART_H - 0.5}" class="axis"/>${bars}</svg>
<figcaption><span id="per-minute-summary">${h(summary)}</span><br><span class="note">${h(hhmm(series[0]!.minuteStart))} → ${h(hhmm(series.at(-1)!.minuteStart))} UTC · <span class="key-done">■</span> sent, dry-run or dropped · <span class="key-failed">■</span> transient or permanent · top of the scale: ${h(max)} per minute</span></figcaption></figure>`;
}

function outcomesTable(outcomes: readonly OutcomeSummary[], githubRoot: string | undefined): string {
  if (outcomes.length === 0) return '<p id="outcomes">none yet</p>';
  const rows = outcomes
    .map(
      (o) =>
        `<tr data-finding="${h(o.findingId)}">` +
        cell('settled', o.settledAt, ' class="long"') +
        `<td data-label="finding" class="long"><span class="id">${h(o.findingId)}</span><br><span class="note">${h(o.agent ?? '')}</span></td>` +
        cell('severity', o.severity ?? '—') +
        cell('title', o.title ?? (o.detail ? `(invalid) ${o.detail}` : '—'), ' class="title long"') +
        cell('slack', describeOutcome(o.channels.slack), ' class="long"') +
        githubCell(o.channels.github, githubRoot) +
        cell('message', o.reason ? `${o.settlement} (${o.reason})` : o.settlement) +
        '</tr>',
    )
    .join('\n');
  return `<table class="stack" id="outcomes"><thead><tr><th>settled</th><th>finding · agent</th><th>severity</th><th>title</th><th>slack</th><th>github</th><th>message</th></tr></thead><tbody>
${rows}</tbody></table>`;
}

/** Server-rendered, no build step, readable on a phone; every value is escaped (finding text above all). */
export function renderStatusPage(input: StatusPageInput): string {
  const { report } = input;
  const defaulted = report.environmentDefaulted ? ' (DEPLOYMENT_ENV unset: treated as prod)' : '';
  const readiness =
    input.notReady === null
      ? '<span class="good" id="ready">ready</span>'
      : `<span class="bad" id="ready">not ready: ${h(input.notReady)}</span>`;
  const warnings = report.warnings.length
    ? `<h2>Warnings</h2><ul id="warnings">${report.warnings.map((w) => `<li>${h(w)}</li>`).join('')}</ul>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${h(Math.max(5, Math.round(input.refreshSeconds ?? 30)))}">
<title>finding-relay — ${h(report.environment)}</title><style>${STYLE}</style></head>
<body><h1>finding-relay</h1>
<p>Environment: <strong id="environment">${h(report.environment)}</strong>${h(defaulted)}<br>
State: <span id="state">${h(input.state)}</span> · ${readiness}<br>
<span class="note">Up since ${h(input.startedAt.toISOString())}</span></p>
<h2>Channels in this environment</h2>${channelsTable(report)}
<p>Dry-run ledger: <code id="ledger">${h(input.ledgerLocation ?? 'none (no STORAGE_URI)')}</code></p>
${warnings}
<h2>Outbox (waiting for a dispatcher, whole fleet)</h2>${outboxTable(input.outbox)}
<h2>Active silences</h2>${silencesTable(input.silences)}
<h2>Safety matrix (these variables, each environment)</h2>${matrixTable(report)}
<h2>Since start</h2>${countersTable(input.counters)}
<h2>Dead-lettered by this worker since start</h2>
<p class="note">By reason. Messages Pub/Sub dead-lettered after too many delivery attempts, and letters from other workers, are not counted here: see <code>finding-relay dlq stats</code> for the live backlog.</p>
${deadLetterTable(input.deadLettered)}
<h2>Outcomes per minute, last hour (this worker)</h2>${perMinuteChart(input.perMinute)}
<h2>Last ${h(input.outcomes.length)} outcomes</h2>${outcomesTable(input.outcomes, input.githubWebRoot)}
</body></html>`;
}
