import type { ConfigConcern } from './types.js';
import { BOOLEAN_SPELLINGS, type VariableKind } from './value-types.js';

/** Section titles, in the order the docs and .env.example show the concerns. */
export const CONCERN_TITLES: Readonly<Record<ConfigConcern, string>> = {
  environment: 'Environment',
  slack: 'Slack',
  github: 'GitHub',
  routes: 'Routes (docs/contract.md §7)',
  storage: 'Storage (dry-run ledger)',
  state: 'State (claims, dedupe, issue index, outbox)',
  pubsub: 'Pub/Sub',
  worker: 'Worker',
};

export const GENERATOR_COMMAND = 'npx tsx scripts/generate-config-docs.ts';

/** What a variable accepts, in words. */
export function describeKind(kind: VariableKind): string {
  switch (kind.type) {
    case 'boolean':
      return `a boolean: ${BOOLEAN_SPELLINGS.join('/')}, any case`;
    case 'integer':
      return `an integer from ${kind.min} to ${kind.max}${kind.unit ? ` (${kind.unit})` : ''}`;
    case 'enum': {
      const aliases = kind.aliases ? `; also ${Object.keys(kind.aliases).join(', ')}` : '';
      return `one of ${kind.values.join(', ')}${aliases}; any case`;
    }
    default:
      return kind.form;
  }
}
