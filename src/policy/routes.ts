import type { ChannelName } from '../channels/types.js';
import type { GitHubRoute, RouteSpec, SlackRoute } from '../config/routes-file.js';
import { compileMatchers, type MatchableFinding } from './matchers.js';

/** A route with its matchers compiled once. */
export interface CompiledRoute {
  readonly name: string;
  readonly slack?: SlackRoute | 'off';
  readonly github?: GitHubRoute | 'off';
  readonly continue: boolean;
  readonly matches: (finding: MatchableFinding) => boolean;
}

export function compileRoutes(specs: readonly RouteSpec[]): CompiledRoute[] {
  return specs.map((spec) => ({
    name: spec.name,
    ...(spec.slack === undefined ? {} : { slack: spec.slack }),
    ...(spec.github === undefined ? {} : { github: spec.github }),
    continue: spec.continue,
    matches: compileMatchers(spec.matchers),
  }));
}

/** The route that decides each channel of one finding; a channel absent here follows the default. */
export type RoutedChannels = Partial<Record<ChannelName, CompiledRoute>>;

/**
 * docs/contract.md §7, with §4's one outcome per channel: routes are tried in order; the first that
 * matches takes the finding, and decides each channel it names (`slack`, `github`); a channel it
 * does not name follows the default. With `continue: true`, later matching routes are tried too
 * and decide the channels still undecided, so a channel is never decided twice.
 */
export function chooseRoutes(finding: MatchableFinding, routes: readonly CompiledRoute[]): RoutedChannels {
  const chosen: RoutedChannels = {};
  for (const route of routes) {
    if (!route.matches(finding)) continue;
    if (route.slack !== undefined) chosen.slack ??= route;
    if (route.github !== undefined) chosen.github ??= route;
    if (!route.continue) break;
  }
  return chosen;
}
