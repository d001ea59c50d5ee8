import type { ChannelName, Decision } from '../channels/types.js';
import type { Config, DeploymentEnv, Severity } from '../config/types.js';
import {
  type GitHubResolution,
  isRepoAllowlisted,
  resolveGitHubMode,
  resolveSlackMode,
  type SlackResolution,
} from './safety-matrix.js';
import { meetsFloor } from './severity.js';

/** The environment-level resolution, computed once at start; per-finding routing reads it. */
export interface ResolvedModes {
  readonly env: DeploymentEnv;
  readonly slack: SlackResolution;
  readonly github: GitHubResolution;
  readonly slackMinSeverity: Severity;
  readonly githubMinSeverity: Severity;
  readonly repoAllowlist: readonly string[];
}

export function resolveModes(config: Config): ResolvedModes {
  const env = config.deploymentEnv;
  return {
    env,
    slack: resolveSlackMode(config, env),
    github: resolveGitHubMode(config, env),
    slackMinSeverity: config.slack.minSeverity,
    githubMinSeverity: config.github.minSeverity,
    repoAllowlist: config.github.repoAllowlist,
  };
}

export interface RoutableFinding {
  readonly severity: Severity;
  readonly repo?: string | undefined;
}

/** One Decision per channel for one finding: the matrix first, then the repo and severity gates. */
export function decideChannels(finding: RoutableFinding, modes: ResolvedModes): Map<ChannelName, Decision> {
  return new Map<ChannelName, Decision>([
    ['slack', decideSlack(finding, modes)],
    ['github', decideGitHub(finding, modes)],
  ]);
}

function decideSlack(finding: RoutableFinding, modes: ResolvedModes): Decision {
  if (modes.slack.mode !== 'ENABLED') return { do: 'drop', reason: 'mode-disabled' };
  if (!meetsFloor(finding.severity, modes.slackMinSeverity)) return { do: 'drop', reason: 'below-severity' };
  return { do: 'deliver' };
}

function decideGitHub(finding: RoutableFinding, modes: ResolvedModes): Decision {
  const mode = modes.github.mode;
  if (mode === 'DISABLED') return { do: 'drop', reason: 'mode-disabled' };
  if (!finding.repo) return { do: 'drop', reason: 'no-repo' };
  if (!isRepoAllowlisted(modes.repoAllowlist, finding.repo)) return { do: 'drop', reason: 'not-allowlisted' };
  if (!meetsFloor(finding.severity, modes.githubMinSeverity)) return { do: 'drop', reason: 'below-severity' };
  return mode === 'REAL' ? { do: 'deliver' } : { do: 'dry-run' };
}
