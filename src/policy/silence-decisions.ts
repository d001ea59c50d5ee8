import type { ChannelName, Decision } from '../channels/types.js';
import { compileMatchers, type MatchableFinding, type Matcher } from './matchers.js';

/** A silence ready to test findings: its window in epoch ms and its matchers compiled. */
export interface SilenceRule {
  readonly id: string;
  /** Only this channel; absent: every channel. */
  readonly channel?: ChannelName | undefined;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly matches: (finding: MatchableFinding) => boolean;
}

export function silenceRule(parts: {
  id: string;
  channel?: ChannelName | undefined;
  startsAt: number;
  endsAt: number;
  matchers: readonly Matcher[];
}): SilenceRule {
  return {
    id: parts.id,
    channel: parts.channel,
    startsAt: parts.startsAt,
    endsAt: parts.endsAt,
    matches: compileMatchers(parts.matchers),
  };
}

/** The first silence active at `now` that covers `channel` and matches the finding. */
export function silencing(
  finding: MatchableFinding,
  channel: ChannelName,
  rules: readonly SilenceRule[],
  now: number,
): SilenceRule | undefined {
  return rules.find(
    (r) =>
      (r.channel === undefined || r.channel === channel) &&
      r.startsAt <= now &&
      now < r.endsAt &&
      r.matches(finding),
  );
}

/**
 * Applied after the safety matrix and severity floors: a silence only ever removes a delivery.
 * A channel the matrix already drops keeps its own reason; a delivering (or dry-run) channel that
 * a silence covers becomes `drop: silenced` with the silence's id. Nothing is ever opened.
 */
export function applySilences(
  decisions: ReadonlyMap<ChannelName, Decision>,
  finding: MatchableFinding,
  rules: readonly SilenceRule[],
  now: number,
): Map<ChannelName, Decision> {
  const result = new Map<ChannelName, Decision>();
  for (const [channel, decision] of decisions) {
    const rule =
      decision.do === 'drop' || rules.length === 0 ? undefined : silencing(finding, channel, rules, now);
    result.set(
      channel,
      rule
        ? {
            do: 'drop',
            reason: 'silenced',
            silenceId: rule.id,
            ...(decision.route === undefined ? {} : { route: decision.route }),
          }
        : decision,
    );
  }
  return result;
}
