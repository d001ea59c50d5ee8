import type { Config } from './types.js';

/** Every secret value the configuration holds: the default webhook, each routed webhook, the token. */
export function configSecrets(config: Config): (string | undefined)[] {
  return [config.slack.webhookUrl, ...Object.values(config.slack.routeWebhooks), config.github.token];
}
