import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { type Config, type ConfigResult, DEPLOYMENT_ENVS, type DeploymentEnv } from '../config/types.js';
import { parseFindingBytes } from '../finding/parse.js';
import { decideRouted, resolveModes } from '../policy/decide-channels.js';
import { matchableFinding } from '../policy/matchers.js';
import {
  buildReadinessReport,
  type EnvironmentReadiness,
  type ReadinessReport,
} from '../policy/readiness.js';
import type { RoutesReadiness } from '../policy/route-readiness.js';
import { applySilences } from '../policy/silence-decisions.js';
import { openRelayState } from '../state/open-relay-state.js';
import type { Silence } from '../state/silences.js';
import { parseCommandArgs } from './args.js';
import { readActiveSilences, rulesOf } from './check-silences.js';
import type { CommandIO } from './io.js';

export async function runCheck(args: readonly string[], io: CommandIO): Promise<number> {
  const { values } = parseCommandArgs(args, {
    json: { type: 'boolean' },
    strict: { type: 'boolean' },
    finding: { type: 'string' },
  });
  const result = loadConfig(io.env, { cwd: io.cwd });
  const perEnvironment = Object.fromEntries(
    DEPLOYMENT_ENVS.map((env) => [env, loadConfig({ ...io.env, DEPLOYMENT_ENV: env }, { cwd: io.cwd })]),
  ) as Record<DeploymentEnv, ConfigResult>;
  const report = buildReadinessReport(result, perEnvironment);
  const route = values.finding
    ? await routeSample(resolve(io.cwd, values.finding), result.config, io)
    : undefined;
  if (values.json) {
    io.stdout(`${JSON.stringify(route ? { ...report, route } : report, null, 2)}\n`);
  } else {
    io.stdout(renderReport(report));
    if (route) io.stdout(renderRoute(route));
  }
  return values.strict && report.misconfigured ? 1 : 0;
}

type SampleDecision = {
  decision: string;
  reason?: string;
  silence?: Silence;
  /** The route that decided the channel (absent: the default), and where it sends the finding. */
  route?: string;
  webhook?: string;
  repo?: string;
};
type SampleRoute =
  | {
      ok: true;
      findingId: string;
      channels: Record<string, SampleDecision>;
      /** Set when the state's silences could not be read (the decisions then ignore them). */
      silencesUnknown?: string;
    }
  | { ok: false; reason: string; detail: string };

async function routeSample(path: string, config: Config, io: CommandIO): Promise<SampleRoute> {
  const parsed = parseFindingBytes(await readFile(path));
  if (!parsed.ok) return { ok: false, reason: parsed.reason, detail: parsed.detail };
  const now = Date.now();
  const read = await readActiveSilences(config, io.cwd, now, (uri, at) =>
    openRelayState(uri, { cwd: at, env: io.env }),
  );
  const silences = read && 'silences' in read ? read.silences : [];
  const decisions = applySilences(
    decideRouted(parsed.finding, resolveModes(config)).decisions,
    matchableFinding(parsed.finding),
    rulesOf(silences),
    now,
  );
  const channels = Object.fromEntries(
    [...decisions].map(([channel, d]): [string, SampleDecision] => {
      const route = d.route === undefined ? {} : { route: d.route };
      if (d.do !== 'drop') {
        const { do: decision, ...where } = d;
        return [channel, { decision, ...where }];
      }
      const silence = silences.find((s) => s.id === d.silenceId);
      return [channel, { decision: 'drop', reason: d.reason, ...route, ...(silence ? { silence } : {}) }];
    }),
  );
  return {
    ok: true,
    findingId: parsed.finding.id,
    channels,
    ...(read && 'error' in read ? { silencesUnknown: read.error } : {}),
  };
}

function row(cells: string[], widths: number[]): string {
  return cells
    .map((c, i) => c.padEnd(widths[i] ?? 0))
    .join('  ')
    .trimEnd();
}

function renderEnvironment(name: string, r: EnvironmentReadiness): string[] {
  return [
    row([name, 'slack', r.slack.status, r.slack.reason], [10, 8, 14]),
    row(['', 'github', r.github.status, r.github.reason], [10, 8, 14]),
    row(['', 'storage', r.storage.status, r.storage.reason], [10, 8, 14]),
    row(['', 'state', r.state.status, `${r.state.backend}: ${r.state.reason}`], [10, 8, 14]),
  ];
}

export function renderReport(report: ReadinessReport): string {
  const lines: string[] = [];
  const defaulted = report.environmentDefaulted ? ' (DEPLOYMENT_ENV unset: treated as prod)' : '';
  lines.push(`finding-relay readiness — environment: ${report.environment}${defaulted}`);
  lines.push(report.misconfigured ? 'overall: MISCONFIGURED' : 'overall: OK', '');
  lines.push(row(['current', 'channel', 'status', 'why'], [10, 8, 14]));
  lines.push(...renderEnvironment(report.environment, report));
  lines.push('', row(['matrix', 'channel', 'status', 'why (same variables, each environment)'], [10, 8, 14]));
  for (const env of DEPLOYMENT_ENVS) lines.push(...renderEnvironment(env, report.matrix[env]));
  lines.push(...renderRoutes(report.routes));
  if (report.configIssues.length > 0) {
    lines.push('', 'invalid variables:');
    for (const issue of report.configIssues) lines.push(`  - ${issue.message}`);
  }
  if (report.warnings.length > 0) {
    lines.push('', 'warnings:');
    for (const w of report.warnings) lines.push(`  - ${w}`);
  }
  if (report.guidance.length > 0) {
    lines.push('', 'guidance:');
    for (const g of report.guidance) lines.push(`  - ${g}`);
  }
  return `${lines.join('\n')}\n`;
}

function renderRoutes(routes: RoutesReadiness): string[] {
  const lines = ['', `routes: ${routes.status} (${routes.reason})`];
  routes.routes.forEach((r, i) => {
    const match = r.match.length > 0 ? r.match.join(' ') : '(every finding)';
    lines.push(`  ${i + 1}. ${r.name}  match ${match}${r.continue ? '  continue' : ''}`);
    const slack =
      typeof r.slack === 'string'
        ? r.slack
        : `${r.slack.secret} ${r.slack.status}${r.slack.status === 'ENABLED' ? '' : ` (${r.slack.reason})`}` +
          `${r.slack.minSeverity ? `, min ${r.slack.minSeverity}` : ''}${r.slack.batchWindowMs === undefined ? '' : `, window ${r.slack.batchWindowMs} ms`}`;
    const github =
      typeof r.github === 'string'
        ? r.github
        : [
            r.github.repo &&
              `repo ${r.github.repo}${r.github.allowlisted ? '' : ' (NOT in GITHUB_REPO_ALLOWLIST)'}`,
            r.github.minSeverity && `min ${r.github.minSeverity}`,
          ]
            .filter(Boolean)
            .join(', ') || 'default';
    lines.push(`     slack: ${slack}`, `     github: ${github}`);
  });
  return lines;
}

function renderRoute(route: SampleRoute): string {
  if (!route.ok) return `\nsample finding: invalid (${route.reason}): ${route.detail}\n`;
  const lines = ['', `sample finding ${route.findingId}:`];
  for (const [channel, d] of Object.entries(route.channels)) {
    const why = d.silence
      ? ` (silenced by ${d.silence.id} until ${d.silence.endsAt}: ${d.silence.matchers.join(' ')}; ${d.silence.author}: ${d.silence.reason})`
      : d.reason
        ? ` (${d.reason})`
        : '';
    const where = [d.webhook && `webhook ${d.webhook}`, d.repo && `repo ${d.repo}`]
      .filter(Boolean)
      .join(', ');
    const by = `${d.route ? `route "${d.route}"` : 'default route'}${where ? `: ${where}` : ''}`;
    lines.push(`  ${channel.padEnd(7)} ${d.decision}${why}  [${by}]`);
  }
  if (route.silencesUnknown) lines.push(`  (silences could not be read: ${route.silencesUnknown})`);
  return `${lines.join('\n')}\n`;
}
