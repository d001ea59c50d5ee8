import { INVENTORY } from '../../src/config/inventory.js';
import { WEBHOOK_NAME, webhookSecretName } from '../../src/config/routes-file.js';

/**
 * Variables outside the inventory that finding-relay's libraries honour: the Firestore client reads
 * FIRESTORE_EMULATOR_HOST itself; NODE_ENV is set by the image.
 */
export const HONOURED_EXTRAS = ['FIRESTORE_EMULATOR_HOST', 'NODE_ENV'] as const;

/** Every environment variable a finding-relay process may be given. */
export const KNOWN_VARIABLES: ReadonlySet<string> = new Set([
  ...INVENTORY.map((spec) => spec.name),
  ...HONOURED_EXTRAS,
]);

/** Variables whose values are secrets: never a plain value in deployment files. */
export const SECRET_VARIABLES: readonly string[] = INVENTORY.filter((spec) => spec.secret).map(
  (spec) => spec.name,
);

/**
 * SLACK_WEBHOOK_URL_<NAME>: a routed webhook's secret (docs/contract.md §7), read for each webhook the
 * routes file names. A secret like SLACK_WEBHOOK_URL: never a plain value in deployment files.
 */
export function isRoutedWebhookSecret(name: string): boolean {
  const prefix = webhookSecretName('');
  return name.startsWith(prefix) && WEBHOOK_NAME.test(name.slice(prefix.length));
}

export function unknownVariables(names: Iterable<string>, alsoAllowed: Iterable<string> = []): string[] {
  const allowed = new Set([...KNOWN_VARIABLES, ...alsoAllowed]);
  return [...names].filter((name) => !allowed.has(name) && !isRoutedWebhookSecret(name)).sort();
}
