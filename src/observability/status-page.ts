import { DEPLOYMENT_ENVS } from '../config/types.js';
import type { ReadinessReport } from '../policy/readiness.js';
import { escapeHtml as h } from './html.js';
import type { RecentOutcomes } from './recent-outcomes.js';

export interface StatusPageInput {
  report: ReadinessReport;
  startedAt: Date;
  counters: Record<string, number>;
  outcomes: RecentOutcomes;
  ledgerLocation: string | undefined;
  state: string;
}

function outcomeText(o: unknown): string {
  if (!o || typeof o !== 'object') return '—';
  const v = o as { kind: string; reason?: string; cause?: string };
  return v.reason ? `${v.kind} (${v.reason})` : v.kind;
}

/** Server-rendered, no build step, readable on a phone; every value from a finding is escaped. */
export function renderStatusPage(input: StatusPageInput): string {
  const { report } = input;
  const matrixRows = DEPLOYMENT_ENVS.map((env) => {
    const r = report.matrix[env];
    const mark = env === report.environment ? ' (current)' : '';
    return `<tr><th>${h(env)}${mark}</th><td>${h(r.slack.status)}</td><td>${h(r.github.status)}</td><td>${h(r.storage.status)}</td></tr>`;
  }).join('');
  const counters = Object.entries(input.counters)
    .map(([k, v]) => `<tr><th>${h(k)}</th><td data-counter="${h(k)}">${h(v)}</td></tr>`)
    .join('');
  const recent = input.outcomes
    .latest(50)
    .map(
      (o) =>
        `<tr><td>${h(o.settledAt)}</td><td>${h(o.findingId)}</td><td>${h(o.severity)}</td><td>${h(o.title)}</td>` +
        `<td>${h(outcomeText(o.channels.slack))}</td><td>${h(outcomeText(o.channels.github))}</td><td>${h(o.settlement)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>finding-relay — ${h(report.environment)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem;max-width:70rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}
td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;font-size:.9rem;overflow-wrap:anywhere}.mode{font-weight:bold}</style></head>
<body><h1>finding-relay</h1>
<p>Environment: <strong id="environment">${h(report.environment)}</strong>${report.environmentDefaulted ? ' (DEPLOYMENT_ENV unset: treated as prod)' : ''} · state: <span id="state">${h(input.state)}</span> · up since ${h(input.startedAt.toISOString())}</p>
<h2>Channels</h2><table><tr><th>channel</th><th>mode</th><th>status</th><th>why</th></tr>
<tr><th>slack</th><td class="mode" id="slack-mode">${h(report.slack.mode)}</td><td id="slack-status">${h(report.slack.status)}</td><td>${h(report.slack.reason)}</td></tr>
<tr><th>github</th><td class="mode" id="github-mode">${h(report.github.mode)}</td><td id="github-status">${h(report.github.status)}</td><td>${h(report.github.reason)}</td></tr>
<tr><th>storage</th><td></td><td id="storage-status">${h(report.storage.status)}</td><td>${h(report.storage.reason)}</td></tr></table>
<p>Ledger: <code id="ledger">${h(input.ledgerLocation ?? 'none')}</code></p>
<h2>Matrix</h2><table><tr><th>environment</th><th>slack</th><th>github</th><th>storage</th></tr>${matrixRows}</table>
<h2>Since start</h2><table>${counters}</table>
<h2>Last outcomes</h2><table id="outcomes"><tr><th>settled</th><th>finding</th><th>severity</th><th>title</th><th>slack</th><th>github</th><th>message</th></tr>${recent}</table>
${report.warnings.length ? `<h2>Warnings</h2><ul>${report.warnings.map((w) => `<li>${h(w)}</li>`).join('')}</ul>` : ''}
</body></html>`;
}
