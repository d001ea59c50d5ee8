import type { Outcome } from '../channels/types.js';
import { DEPLOYMENT_ENVS } from '../config/types.js';
import type { ReadinessReport } from '../policy/readiness.js';
import { escapeHtml as h } from './html.js';
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
      return 'sent';
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
  const entries = Object.entries(byReason).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '<p id="dead-letters">none</p>';
  const rows = entries
    .map(
      ([reason, n]) =>
        `<tr><th>${h(reason)}</th><td class="num" data-dead-letter="${h(reason)}">${h(n)}</td></tr>`,
    )
    .join('\n');
  return `<table id="dead-letters"><tbody>${rows}</tbody></table>`;
}

function outcomesTable(outcomes: readonly OutcomeSummary[]): string {
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
        cell('github', describeOutcome(o.channels.github), ' class="long"') +
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
<title>finding-relay — ${h(report.environment)}</title><style>${STYLE}</style></head>
<body><h1>finding-relay</h1>
<p>Environment: <strong id="environment">${h(report.environment)}</strong>${h(defaulted)}<br>
State: <span id="state">${h(input.state)}</span> · ${readiness}<br>
<span class="note">Up since ${h(input.startedAt.toISOString())}</span></p>
<h2>Channels in this environment</h2>${channelsTable(report)}
<p>Dry-run ledger: <code id="ledger">${h(input.ledgerLocation ?? 'none (no STORAGE_URI)')}</code></p>
${warnings}
<h2>Outbox (waiting for a dispatcher, whole fleet)</h2>${outboxTable(input.outbox)}
<h2>Safety matrix (these variables, each environment)</h2>${matrixTable(report)}
<h2>Since start</h2>${countersTable(input.counters)}
<h2>Dead-lettered by this worker since start</h2>
<p class="note">By reason. Messages Pub/Sub dead-lettered after too many delivery attempts, and letters from other workers, are not counted here: see <code>finding-relay dlq stats</code> for the live backlog.</p>
${deadLetterTable(input.deadLettered)}
<h2>Last ${h(input.outcomes.length)} outcomes</h2>${outcomesTable(input.outcomes)}
</body></html>`;
}
