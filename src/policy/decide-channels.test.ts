import { describe, expect, it } from 'vitest';
import { decideChannels, type ResolvedModes } from './decide-channels.js';

const base: ResolvedModes = {
  env: 'dev',
  slack: { mode: 'ENABLED', status: 'ENABLED', reason: '', label: 'DEV' },
  github: { mode: 'DRY_RUN', status: 'DRY_RUN', reason: '', titlePrefix: '[DEV] ' },
  slackMinSeverity: 'medium',
  githubMinSeverity: 'high',
  repoAllowlist: ['acme/*'],
};

describe('decideChannels', () => {
  it('routes by mode, repo, allowlist and severity floors with a reason for every drop', () => {
    expect(decideChannels({ severity: 'critical', repo: 'acme/web' }, base)).toEqual(
      new Map([
        ['slack', { do: 'deliver' }],
        ['github', { do: 'dry-run' }],
      ]),
    );
    expect(decideChannels({ severity: 'low', repo: 'acme/web' }, base).get('slack')).toEqual({
      do: 'drop',
      reason: 'below-severity',
    });
    expect(decideChannels({ severity: 'medium', repo: 'acme/web' }, base).get('github')).toEqual({
      do: 'drop',
      reason: 'below-severity',
    });
    expect(decideChannels({ severity: 'critical' }, base).get('github')).toEqual({
      do: 'drop',
      reason: 'no-repo',
    });
    expect(decideChannels({ severity: 'critical', repo: 'other/x' }, base).get('github')).toEqual({
      do: 'drop',
      reason: 'not-allowlisted',
    });
  });

  it('a disabled mode drops before anything else, and REAL delivers', () => {
    const off: ResolvedModes = {
      ...base,
      slack: { ...base.slack, mode: 'DISABLED' },
      github: { ...base.github, mode: 'DISABLED' },
    };
    const decisions = decideChannels({ severity: 'info' }, off);
    expect(decisions.get('slack')).toEqual({ do: 'drop', reason: 'mode-disabled' });
    expect(decisions.get('github')).toEqual({ do: 'drop', reason: 'mode-disabled' });
    const real: ResolvedModes = { ...base, github: { ...base.github, mode: 'REAL' } };
    expect(decideChannels({ severity: 'high', repo: 'acme/web' }, real).get('github')).toEqual({
      do: 'deliver',
    });
  });
});
