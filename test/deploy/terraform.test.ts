import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_NAME, webhookSecretName } from '../../src/config/routes-file.js';
import { EXPIRING_COLLECTIONS } from '../../src/state/firestore-documents.js';
import { isRoutedWebhookSecret, SECRET_VARIABLES, unknownVariables } from './known-variables.js';
import {
  type Body,
  block,
  containerEnv,
  hcl,
  loadTerraform,
  loadTfvars,
  TERRAFORM_DIR,
  type TerraformModule,
} from './terraform-files.js';

const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
const SAFETY_FLAGS = {
  slack_notifications_enabled: 'SLACK_NOTIFICATIONS_ENABLED',
  slack_enable_staging: 'SLACK_ENABLE_STAGING',
  slack_enable_prod: 'SLACK_ENABLE_PROD',
  github_issue_creation_enabled: 'GITHUB_ISSUE_CREATION_ENABLED',
  github_enable_staging: 'GITHUB_ENABLE_STAGING',
  github_enable_prod: 'GITHUB_ENABLE_PROD',
} as const;

let tf: TerraformModule;
let workerEnv: Record<string, unknown>;
let service: Body;
let job: Body;

beforeAll(async () => {
  tf = await loadTerraform();
  workerEnv = tf.locals.worker_env as Record<string, unknown>;
  service = tf.resources.google_cloud_run_v2_service!.worker!;
  job = tf.resources.google_cloud_run_v2_job!.check!;
});

const serviceContainers = () => block(service, 'template').containers as Body[];
/** The worker: the service's first container (the collector sidecar is the second). */
const serviceContainer = () => block(service, 'template', 'containers');
const collectorContainer = () => serviceContainers().find((c) => c.name === 'collector')!;
const jobContainer = () => block(job, 'template', 'template', 'containers');

describe('terraform: references resolve (a stand-in for `terraform validate`, which needs the provider)', () => {
  it('every var.X is declared in variables.tf', () => {
    const used = new Set([...tf.text.matchAll(/\bvar\.([a-z0-9_]+)/g)].map((m) => m[1]!));
    expect([...used].filter((name) => !tf.variables[name])).toEqual([]);
  });

  it('every local.X is declared in a locals block', () => {
    const used = new Set([...tf.text.matchAll(/\blocal\.([a-z0-9_]+)/g)].map((m) => m[1]!));
    expect([...used].filter((name) => !(name in tf.locals))).toEqual([]);
  });

  it('every resource reference names a declared resource', () => {
    // `(?<![\w.])` skips data sources (`data.google_project.this`).
    const refs = [...tf.text.matchAll(/(?<![\w.])(google_[a-z0-9_]+)\.([a-z0-9_]+)\.[a-z_]+/g)];
    const missing = refs
      .map((m) => `${m[1]}.${m[2]}`)
      .filter((ref) => {
        const [type, name] = ref.split('.') as [string, string];
        return !tf.resources[type]?.[name];
      });
    expect([...new Set(missing)]).toEqual([]);
  });
});

const terraformBinary = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;

describe('terraform: formatting', () => {
  // Only where the terraform binary is installed; it needs no provider for this.
  it.skipIf(!terraformBinary)('is `terraform fmt` clean', () => {
    const fmt = spawnSync('terraform', ['fmt', '-check', '-recursive', '-no-color'], {
      cwd: TERRAFORM_DIR,
      encoding: 'utf8',
    });
    expect(fmt.stdout).toBe('');
    expect(fmt.status).toBe(0);
  });
});

describe('terraform: the worker gets every variable it needs, and only known ones', () => {
  it('DEPLOYMENT_ENV is wired from var.environment, which only accepts dev, staging or prod', () => {
    expect(workerEnv.DEPLOYMENT_ENV).toBe(hcl('var.environment'));
    const validation = block(tf.variables.environment!, 'validation');
    expect(String(validation.condition)).toContain('["dev", "staging", "prod"]');
  });

  it('every name in local.worker_env is a variable finding-relay reads', () => {
    expect(unknownVariables(Object.keys(workerEnv))).toEqual([]);
  });

  it('provides what the worker needs to run on Google Cloud', () => {
    for (const name of [
      'DEPLOYMENT_ENV',
      'STORAGE_URI',
      'GOOGLE_CLOUD_PROJECT',
      'FINDINGS_TOPIC',
      'FINDINGS_SUBSCRIPTION',
      'DEAD_LETTER_TOPIC',
      'DEAD_LETTER_SUBSCRIPTION',
      'MAX_DELIVERY_ATTEMPTS',
      'HTTP_HOST',
    ]) {
      expect(workerEnv, name).toHaveProperty(name);
    }
    expect(workerEnv.HTTP_HOST).toBe('0.0.0.0');
    expect(workerEnv.STORAGE_URI).toBe(
      `gs://${hcl('google_storage_bucket.state.name')}/${hcl('var.storage_prefix')}`,
    );
    expect(workerEnv.FINDINGS_SUBSCRIPTION).toBe(hcl('google_pubsub_subscription.worker.name'));
    expect(workerEnv.DEAD_LETTER_TOPIC).toBe(hcl('google_pubsub_topic.dead_letter.name'));
  });

  it('leaves PORT to Cloud Run, which sets it and refuses it as a user variable', () => {
    expect(workerEnv).not.toHaveProperty('PORT');
  });

  it('service and check job both take local.worker_env (without unset values)', () => {
    expect(String(tf.locals.worker_env_set)).toContain('local.worker_env');
    expect(String(tf.locals.worker_env_set)).toContain('if value != null');
    for (const container of [serviceContainer(), jobContainer()]) {
      const plain = containerEnv(container).filter((e) => e.forEach === hcl('local.worker_env_set'));
      expect(plain).toHaveLength(1);
      expect(plain[0]!.body).toEqual({ name: hcl('env.key'), value: hcl('env.value') });
    }
  });

  it('the safety flags default off, and each reaches its variable', () => {
    for (const [variable, envName] of Object.entries(SAFETY_FLAGS)) {
      expect(tf.variables[variable], variable).toMatchObject({ type: hcl('bool'), default: false });
      expect(workerEnv[envName], envName).toBe(hcl(`tostring(var.${variable})`));
    }
    expect(tf.variables.dry_run).toMatchObject({ type: hcl('bool'), default: true });
    expect(workerEnv.DRY_RUN).toBe(hcl('tostring(var.dry_run)'));
    expect(tf.variables.github_repo_allowlist).toMatchObject({ default: [] });
  });
});

describe('terraform: secrets only from Secret Manager', () => {
  it('knows which variables are secrets', () => {
    expect(SECRET_VARIABLES).toEqual(expect.arrayContaining(['SLACK_WEBHOOK_URL', 'GITHUB_TOKEN']));
  });

  it('no secret is in the plain worker environment', () => {
    for (const name of SECRET_VARIABLES) expect(workerEnv).not.toHaveProperty(name);
    expect(Object.keys(workerEnv).filter(isRoutedWebhookSecret)).toEqual([]);
    expect(isRoutedWebhookSecret('SLACK_WEBHOOK_URL_SECURITY')).toBe(true);
  });

  it.each([
    ['service', serviceContainer],
    ['check job', jobContainer],
  ])('the %s mounts each secret as a secret_key_ref, never a plain value', (_, container) => {
    const secretSources: Record<string, string> = {
      SLACK_WEBHOOK_URL: hcl('google_secret_manager_secret.slack_webhook_url.secret_id'),
      GITHUB_TOKEN: hcl('google_secret_manager_secret.github_token.secret_id'),
    };
    const entries = containerEnv(container());
    for (const name of SECRET_VARIABLES) {
      const mounts = entries.filter((e) => e.body.name === name);
      expect(mounts, name).toHaveLength(1);
      const { body } = mounts[0]!;
      expect(body, name).not.toHaveProperty('value');
      expect(block(body, 'value_source', 'secret_key_ref').secret).toBe(secretSources[name]);
    }
  });

  it('no secret value passes through Terraform: no secret version resource, no secret-valued variable', () => {
    expect(tf.resources.google_secret_manager_secret_version).toBeUndefined();
    expect(tf.data.google_secret_manager_secret_version).toBeUndefined();
    // slack_route_webhooks holds webhook names and version numbers only: its validations refuse a URL.
    const suspicious = Object.keys(tf.variables).filter(
      (name) =>
        /webhook|token|secret/.test(name) &&
        !name.endsWith('_secret_version') &&
        name !== 'slack_route_webhooks',
    );
    expect(suspicious).toEqual([]);
  });

  it('no secret value is written in the .tf files: no webhook URL, token or secret_data', () => {
    for (const shape of [
      /hooks\.slack\.com/i,
      /https?:\/\/[^"\s]*\/services\//i,
      /xox[abposr]-/,
      /\bgh[pousr]_[A-Za-z0-9]/,
      /github_pat_/,
      /\bsecret_data\b/,
      /-----BEGIN/,
    ])
      expect(tf.text, String(shape)).not.toMatch(shape);
  });
});

describe('terraform: routes (docs/contract.md §7): routed webhook secrets and the routes file', () => {
  const routedSecret = hcl('google_secret_manager_secret.slack_route_webhook_url[env.key].secret_id');

  it('slack_route_webhooks maps webhook names (as the routes file validates them) to versions, empty by default', () => {
    const variable = tf.variables.slack_route_webhooks!;
    expect(variable).toMatchObject({ type: hcl('map(string)'), default: {} });
    const conditions = (variable.validation as Body[]).map((v) => String(v.condition));
    // the same name rule as src/config/routes-file.ts, so a name Terraform accepts is one a route can use
    expect(
      conditions.some(
        (c) => c.includes('keys(var.slack_route_webhooks)') && c.includes(`"${WEBHOOK_NAME.source}"`),
      ),
    ).toBe(true);
    // values are versions or null: a URL pasted there is refused before any plan
    expect(
      conditions.some(
        (c) =>
          c.includes('values(var.slack_route_webhooks)') &&
          c.includes('version == null') &&
          c.includes('[0-9]+|latest'),
      ),
    ).toBe(true);
  });

  it('one Secret Manager secret per routed webhook, finding-relay-ENV-slack-webhook-url-<name>', () => {
    const secret = tf.resources.google_secret_manager_secret!.slack_route_webhook_url!;
    expect(secret.for_each).toBe(hcl('toset(keys(var.slack_route_webhooks))'));
    expect(secret.secret_id).toBe(
      `finding-relay-${hcl('var.environment')}-slack-webhook-url-${hcl('lower(each.key)')}`,
    );
    expect(block(secret, 'replication')).toHaveProperty('auto');
  });

  it("the worker's service account may read each routed webhook secret and the routes secret, nothing more", () => {
    const grants = tf.resources.google_secret_manager_secret_iam_member!;
    expect(grants.worker_slack_route_webhook).toEqual({
      for_each: hcl('google_secret_manager_secret.slack_route_webhook_url'),
      secret_id: hcl('each.value.id'),
      role: 'roles/secretmanager.secretAccessor',
      member: hcl('local.worker_member'),
    });
    expect(grants.worker_routes).toEqual({
      secret_id: hcl('google_secret_manager_secret.routes.id'),
      role: 'roles/secretmanager.secretAccessor',
      member: hcl('local.worker_member'),
    });
  });

  it.each([
    ['service', serviceContainer, () => service],
    ['check job', jobContainer, () => job],
  ])(
    'the %s gets SLACK_WEBHOOK_URL_<NAME> from each mounted secret (never a plain value) and the grants first',
    (_, container, resource) => {
      const routed = containerEnv(container()).filter(
        (e) => e.forEach === hcl('local.slack_route_webhook_versions'),
      );
      expect(routed).toHaveLength(1);
      const { body } = routed[0]!;
      expect(body.name).toBe(webhookSecretName(hcl('env.key')));
      expect(body).not.toHaveProperty('value');
      expect(block(body, 'value_source', 'secret_key_ref')).toEqual({
        secret: routedSecret,
        version: hcl('env.value'),
      });
      expect(resource().depends_on).toEqual(
        expect.arrayContaining([
          hcl('google_secret_manager_secret_iam_member.worker_slack_route_webhook'),
          hcl('google_secret_manager_secret_iam_member.worker_routes'),
        ]),
      );
    },
  );

  it('only routed webhooks with a version are mounted (null: the secret exists, nothing is mounted yet)', () => {
    expect(tf.locals.slack_route_webhook_versions).toBe(
      hcl('{ for name, version in var.slack_route_webhooks : name => version if version != null }'),
    );
  });

  it('ROUTES_FILE is the routes secret mounted as a file at a pinned version, in the service and the check job; unset without a version', () => {
    expect(tf.resources.google_secret_manager_secret!.routes!.secret_id).toBe(
      `finding-relay-${hcl('var.environment')}-routes`,
    );
    expect(tf.variables.routes_secret_version).toMatchObject({ type: hcl('string'), default: null });
    expect(workerEnv.ROUTES_FILE).toBe(hcl('local.routes_file'));
    expect(String(tf.locals.routes_file)).toContain('var.routes_secret_version == null ? null');
    expect(String(tf.locals.routes_file)).toContain(`${hcl('local.routes_mount_dir')}/routes.yaml`);
    expect(tf.locals.routes_versions).toBe(
      hcl('var.routes_secret_version == null ? [] : [var.routes_secret_version]'),
    );
    for (const [template, container] of [
      [block(service, 'template'), serviceContainer()],
      [block(job, 'template', 'template'), jobContainer()],
    ] as const) {
      const volume = ((template.dynamic as Body).volumes as Body[])[0]!;
      expect(volume.for_each).toBe(hcl('local.routes_versions'));
      const content = block(volume, 'content');
      expect(content.name).toBe('routes');
      expect(block(content, 'secret').secret).toBe(hcl('google_secret_manager_secret.routes.secret_id'));
      expect(block(content, 'secret', 'items')).toEqual({
        version: hcl('volumes.value'),
        path: 'routes.yaml',
      });
      const mount = ((container.dynamic as Body).volume_mounts as Body[])[0]!;
      expect(mount.for_each).toBe(hcl('local.routes_versions'));
      expect(block(mount, 'content')).toEqual({ name: 'routes', mount_path: hcl('local.routes_mount_dir') });
    }
  });
});

describe('terraform: Cloud Run runs a pulling worker', () => {
  it('runs `worker` with CPU always allocated', () => {
    const container = serviceContainer();
    expect(container.args).toEqual(['worker']);
    expect(block(container, 'resources').cpu_idle).toBe(false);
  });

  it('keeps at least one instance running in every environment', () => {
    expect(block(service, 'template', 'scaling').min_instance_count).toBe(hcl('var.min_instances'));
    expect(tf.variables.min_instances!.default).toBeGreaterThanOrEqual(1);
    expect(String(block(tf.variables.min_instances!, 'validation').condition)).toContain('>= 1');
  });

  it('probes /healthz and runs as the worker service account', () => {
    const container = serviceContainer();
    expect(block(container, 'startup_probe', 'http_get').path).toBe('/healthz');
    expect(block(container, 'liveness_probe', 'http_get').path).toBe('/healthz');
    expect(block(service, 'template').service_account).toBe(hcl('google_service_account.worker.email'));
  });

  it('runs two containers: `worker` (the only one with a port) and the `collector` sidecar, started after it', () => {
    expect(serviceContainers().map((c) => c.name)).toEqual(['worker', 'collector']);
    expect(serviceContainer().image).toBe(hcl('var.image'));
    expect(block(serviceContainer(), 'ports').container_port).toBe(8080);
    expect(collectorContainer()).toEqual({
      name: 'collector',
      image: hcl('var.managed_prometheus_sidecar_image'),
      depends_on: ['worker'],
    });
    // Cloud Run starts a dependent container once its dependency's startup probe passes.
    expect(block(serviceContainer(), 'startup_probe', 'http_get').path).toBe('/healthz');
    // The check job runs once and exits: no sidecar.
    expect(block(job, 'template', 'template').containers as Body[]).toHaveLength(1);
  });

  it('the collector gets no port, environment, secret or volume: only the worker has them', () => {
    const collector = collectorContainer();
    for (const key of ['ports', 'env', 'dynamic', 'volume_mounts', 'args', 'command'])
      expect(collector, key).not.toHaveProperty(key);
  });

  it('the check job runs `check --strict` with the same image and identity', () => {
    expect(jobContainer().args).toEqual(['check', '--strict']);
    expect(jobContainer().image).toBe(serviceContainer().image);
    expect(block(job, 'template', 'template').service_account).toBe(
      hcl('google_service_account.worker.email'),
    );
  });

  it('is not public: every grant names the worker, the Pub/Sub agent or a listed operator', () => {
    const members = new Set<unknown>();
    for (const [type, byName] of Object.entries(tf.resources)) {
      if (type.endsWith('_iam_member')) for (const body of Object.values(byName)) members.add(body.member);
    }
    expect([...members].sort()).toEqual([
      hcl('each.value'),
      hcl('local.pubsub_service_agent'),
      hcl('local.worker_member'),
    ]);
    expect(tf.variables.operators!.default).toEqual([]);
    expect(tf.resources.google_cloud_run_v2_service_iam_binding).toBeUndefined();
    expect(tf.resources.google_cloud_run_v2_service_iam_policy).toBeUndefined();
  });
});

describe('terraform: Pub/Sub with dead-lettering that works on Google Cloud', () => {
  it('the worker subscription has a dead-letter policy and a retry policy', () => {
    const sub = tf.resources.google_pubsub_subscription!.worker!;
    expect(sub.topic).toBe(hcl('google_pubsub_topic.findings.id'));
    expect(block(sub, 'dead_letter_policy')).toEqual({
      dead_letter_topic: hcl('google_pubsub_topic.dead_letter.id'),
      max_delivery_attempts: hcl('var.max_delivery_attempts'),
    });
    const retry = block(sub, 'retry_policy');
    expect(retry).toHaveProperty('minimum_backoff');
    expect(retry).toHaveProperty('maximum_backoff');
    expect(tf.variables.max_delivery_attempts!.default).toBe(5);
  });

  it('the dead-letter topic has an inspect subscription, both with message retention', () => {
    const inspect = tf.resources.google_pubsub_subscription!.dead_letter_inspect!;
    expect(inspect.topic).toBe(hcl('google_pubsub_topic.dead_letter.id'));
    expect(inspect.message_retention_duration).toBe(hcl('var.dead_letter_retention'));
    expect(tf.resources.google_pubsub_topic!.dead_letter!.message_retention_duration).toBe(
      hcl('var.dead_letter_retention'),
    );
  });

  it('the Pub/Sub service agent may publish dead letters and ack the source subscription', () => {
    expect(tf.locals.pubsub_service_agent).toBe(
      `serviceAccount:service-${hcl('data.google_project.this.number')}@gcp-sa-pubsub.iam.gserviceaccount.com`,
    );
    const agent = hcl('local.pubsub_service_agent');
    const topicGrants = Object.values(tf.resources.google_pubsub_topic_iam_member ?? {});
    const subGrants = Object.values(tf.resources.google_pubsub_subscription_iam_member ?? {});
    expect(topicGrants).toContainEqual({
      topic: hcl('google_pubsub_topic.dead_letter.name'),
      role: 'roles/pubsub.publisher',
      member: agent,
    });
    expect(subGrants).toContainEqual({
      subscription: hcl('google_pubsub_subscription.worker.name'),
      role: 'roles/pubsub.subscriber',
      member: agent,
    });
  });
});

describe('terraform: least privilege and the bucket', () => {
  it('grants two roles on the project, both to the worker and no broader: Firestore (conditioned on the state database) and metric writing', () => {
    const projectWide = Object.entries(tf.resources)
      .filter(([type]) => /^google_project_iam_/.test(type))
      .flatMap(([type, byName]) =>
        Object.entries(byName).map(([name, body]) => ({ ref: `${type}.${name}`, body })),
      );
    expect(projectWide.map((g) => g.ref).sort()).toEqual([
      'google_project_iam_member.worker_firestore',
      'google_project_iam_member.worker_metric_writer',
    ]);
    const grants = tf.resources.google_project_iam_member!;
    // Firestore has no per-database IAM resource: the condition names the database.
    expect(grants.worker_firestore).toMatchObject({
      project: hcl('var.project_id'),
      role: 'roles/datastore.user',
      member: hcl('local.worker_member'),
    });
    expect(block(grants.worker_firestore!, 'condition').expression).toBe(
      `resource.name == "projects/${hcl('var.project_id')}/databases/${hcl('google_firestore_database.state.name')}"`,
    );
    // Metric writing has no narrower resource than the project. Exactly this body: no other role,
    // member or project.
    expect(grants.worker_metric_writer).toEqual({
      project: hcl('var.project_id'),
      role: 'roles/monitoring.metricWriter',
      member: hcl('local.worker_member'),
    });
    // No binding or policy (they would replace other members' grants), on the project or anywhere.
    const authoritative = Object.keys(tf.resources).filter((type) => /_iam_(binding|policy)$/.test(type));
    expect(authoritative).toEqual([]);
  });

  it("the worker's account holds exactly its grants, each on one resource", () => {
    const grants: string[] = [];
    for (const [type, byName] of Object.entries(tf.resources)) {
      if (!type.endsWith('_iam_member')) continue;
      for (const body of Object.values(byName)) {
        if (body.member !== hcl('local.worker_member')) continue;
        const target =
          body.topic ??
          body.subscription ??
          body.bucket ??
          body.secret_id ??
          (body.condition ? block(body, 'condition').expression : (body.project ?? body.name));
        grants.push(`${body.role} on ${target}`);
      }
    }
    expect(grants.sort()).toEqual(
      [
        `roles/pubsub.subscriber on ${hcl('google_pubsub_subscription.worker.name')}`,
        `roles/pubsub.publisher on ${hcl('google_pubsub_topic.dead_letter.name')}`,
        `roles/storage.objectAdmin on ${hcl('google_storage_bucket.state.name')}`,
        `roles/secretmanager.secretAccessor on ${hcl('google_secret_manager_secret.slack_webhook_url.id')}`,
        `roles/secretmanager.secretAccessor on ${hcl('google_secret_manager_secret.github_token.id')}`,
        `roles/secretmanager.secretAccessor on ${hcl('google_secret_manager_secret.routes.id')}`,
        // one per routed webhook secret (for_each over them)
        `roles/secretmanager.secretAccessor on ${hcl('each.value.id')}`,
        `roles/datastore.user on resource.name == "projects/${hcl('var.project_id')}/databases/${hcl('google_firestore_database.state.name')}"`,
        // the collector sidecar writes the scraped /metrics as the worker
        `roles/monitoring.metricWriter on ${hcl('var.project_id')}`,
      ].sort(),
    );
  });

  it('the service starts after the grants its revision needs, the metric writer among them', () => {
    expect(service.depends_on).toEqual(
      expect.arrayContaining([
        hcl('google_pubsub_subscription_iam_member.worker_subscriber'),
        hcl('google_project_iam_member.worker_metric_writer'),
      ]),
    );
  });

  it('the state is a native-mode Firestore database, its expiring collections under TTL policies', () => {
    const db = tf.resources.google_firestore_database!.state!;
    expect(db.type).toBe('FIRESTORE_NATIVE');
    expect(workerEnv.STATE_URI).toBe(
      `firestore://${hcl('var.project_id')}/${hcl('google_firestore_database.state.name')}`,
    );
    const ttl = tf.resources.google_firestore_field!.expire_at_ttl!;
    expect(ttl.field).toBe('expireAt');
    expect(ttl.for_each).toBe(hcl('toset(local.firestore_expiring_collections)'));
    expect(block(ttl, 'ttl_config')).toBeDefined();
    expect(tf.locals.firestore_expiring_collections).toEqual([...EXPIRING_COLLECTIONS]);
    // The composite indexes of the backend's queries are declared.
    const indexes = tf.resources.google_firestore_index!;
    expect(Object.keys(indexes).sort()).toEqual(['deliveries_due', 'deliveries_oldest']);
  });

  it('the bucket has uniform access and expires old ledger objects only', () => {
    const bucket = tf.resources.google_storage_bucket!.state!;
    expect(bucket.uniform_bucket_level_access).toBe(true);
    expect(bucket.public_access_prevention).toBe('enforced');
    const rules = bucket.lifecycle_rule as Body[];
    expect(rules).toHaveLength(1);
    expect(block(rules[0]!, 'condition').matches_prefix).toEqual([hcl('local.ledger_prefix')]);
    expect(block(rules[0]!, 'action').type).toBe('Delete');
    expect(tf.locals.ledger_prefix).toBe(`${hcl('var.storage_prefix')}/ledger/`);
  });
});

describe('terraform: per-environment tfvars', () => {
  it.each(ENVIRONMENTS)(
    '%s.tfvars names its environment and only declared variables',
    async (environment) => {
      const vars = await loadTfvars(environment);
      expect(vars.environment).toBe(environment);
      expect(Object.keys(vars).filter((name) => !tf.variables[name])).toEqual([]);
      expect(Number(vars.min_instances ?? tf.variables.min_instances!.default)).toBeGreaterThanOrEqual(1);
    },
  );

  it.each(ENVIRONMENTS)('%s.tfvars carries no secret value', async (environment) => {
    const vars = await loadTfvars(environment);
    const isVersion = (value: unknown) => value === null || /^(\d+|latest)$/.test(String(value));
    for (const [name, value] of Object.entries(vars)) {
      if (name === 'slack_route_webhooks') {
        // webhook names => secret versions
        for (const [webhook, version] of Object.entries(value as Record<string, unknown>)) {
          expect(webhook).toMatch(WEBHOOK_NAME);
          expect(isVersion(version), `${name}.${webhook}=${version}`).toBe(true);
        }
      } else if (/token|webhook|secret/.test(name)) {
        expect(name).toMatch(/_secret_version$/);
        expect(isVersion(value), `${name}=${value}`).toBe(true);
      }
    }
  });

  it('prod keeps slack_enable_prod and github_enable_prod false, explicitly', async () => {
    const prod = await loadTfvars('prod');
    expect(prod).toMatchObject({ slack_enable_prod: false, github_enable_prod: false });
  });

  it('no tfvars opens another environment’s gate', async () => {
    for (const environment of ENVIRONMENTS) {
      const vars = await loadTfvars(environment);
      const others = ENVIRONMENTS.filter((e) => e !== environment && e !== 'dev');
      for (const other of others) {
        expect(vars[`slack_enable_${other}`] ?? false, `${environment}: slack_enable_${other}`).toBe(false);
        expect(vars[`github_enable_${other}`] ?? false, `${environment}: github_enable_${other}`).toBe(false);
      }
    }
  });
});
