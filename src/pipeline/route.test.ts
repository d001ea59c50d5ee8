import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { testFinding } from '../finding/test-findings.js';
import { manualClock } from '../lib/test-clock.js';
import type { ResolvedModes } from '../policy/decide-channels.js';
import { silenceRule } from '../policy/silence-decisions.js';
import { routeStage } from './route.js';
import { inboundMessage } from './test-envelope.js';
import type { Envelope } from './types.js';

const T0 = 1_000_000;
const modes = {
  env: 'dev',
  slack: { mode: 'ENABLED' },
  github: { mode: 'DRY_RUN' },
  slackMinSeverity: 'info',
  githubMinSeverity: 'info',
  repoAllowlist: ['acme/*'],
} as unknown as ResolvedModes;

function envelope(id: string, agent: string): Envelope {
  const finding = testFinding({ id, source: { agent }, severity: 'high', repo: 'acme/api' });
  return { message: inboundMessage('{}'), receivedAt: 0, finding, decisions: new Map(), outcomes: new Map() };
}

describe('routeStage with silences', () => {
  it('drops what a silence covers with its id; other findings and channels go on', async () => {
    const rules = [
      silenceRule({
        id: 's-1',
        channel: 'slack',
        startsAt: T0,
        endsAt: T0 + 1000,
        matchers: [{ key: 'agent', op: '=', value: 'noisy' }],
      }),
    ];
    const { clock } = manualClock(T0);
    const [muted, other] = await routeStage(modes, () => rules)(
      [envelope('a', 'noisy'), envelope('b', 'quiet')],
      { clock, log: pino({ level: 'silent' }), signal: new AbortController().signal },
    );
    expect(muted?.decisions.get('slack')).toEqual({ do: 'drop', reason: 'silenced', silenceId: 's-1' });
    expect(muted?.outcomes.get('slack')).toEqual({ kind: 'dropped', reason: 'silenced', silenceId: 's-1' });
    expect(muted?.decisions.get('github')).toEqual({ do: 'dry-run' });
    expect(muted?.outcomes.has('github')).toBe(false);
    expect(other?.decisions.get('slack')).toEqual({ do: 'deliver' });
  });

  it('without silences: the matrix alone', async () => {
    const { clock } = manualClock(T0);
    const [e] = await routeStage(modes)([envelope('a', 'noisy')], {
      clock,
      log: pino({ level: 'silent' }),
      signal: new AbortController().signal,
    });
    expect(e?.decisions.get('slack')).toEqual({ do: 'deliver' });
  });
});
