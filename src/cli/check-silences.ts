import { existsSync } from 'node:fs';
import { parseStateUri, resolveStateUri } from '../config/state-uri.js';
import type { Config } from '../config/types.js';
import type { SilenceRule } from '../policy/silence-decisions.js';
import { openRelayState } from '../state/open-relay-state.js';
import type { RelayState } from '../state/relay-state.js';
import { isActive, listSilences, type Silence, silenceRuleOf } from '../state/silences.js';

export type SilencesRead = { readonly silences: readonly Silence[] } | { readonly error: string };

/**
 * The environment's active silences, for `check --finding`: undefined without a STATE_URI; a
 * SQLite file that does not exist yet holds none (and is not created by a check).
 */
export async function readActiveSilences(
  config: Config,
  cwd: string,
  now: number,
  open: (uri: string, cwd: string) => Promise<RelayState> = (uri, at) => openRelayState(uri, { cwd: at }),
): Promise<SilencesRead | undefined> {
  const uri = config.state.uri;
  if (!uri) return undefined;
  try {
    const where = parseStateUri(resolveStateUri(uri, cwd));
    if (where.backend === 'sqlite' && !existsSync(where.path)) return { silences: [] };
    const state = await open(uri, cwd);
    try {
      const all = await listSilences(state.kv, config.deploymentEnv);
      return { silences: all.filter((s) => isActive(s, now)) };
    } finally {
      await state.close();
    }
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

export function rulesOf(silences: readonly Silence[]): SilenceRule[] {
  return silences.flatMap((s) => {
    const parsed = silenceRuleOf(s);
    return 'rule' in parsed ? [parsed.rule] : [];
  });
}
