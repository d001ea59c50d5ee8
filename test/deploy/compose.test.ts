import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SANDBOX_SLACK_PATH, SANDBOX_VARIABLES } from '../../docker/sandbox.js';
import { loadConfig } from '../../src/config/load.js';
import { resolveModes } from '../../src/policy/decide-channels.js';
import { unknownVariables } from './known-variables.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Service {
  image?: string;
  build?: { context: string; target: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  network_mode?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
}

const compose = parse(readFileSync(`${ROOT}docker-compose.yml`, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const service = (name: string): Service => {
  const found = services[name];
  if (!found) throw new Error(`no service ${name}`);
  return found;
};
const env = (name: string) => service(name).environment ?? {};

/** Compose's `${NAME:-default}` as `docker compose up` resolves it with NAME unset. */
const withDefaults = (vars: Record<string, string>) =>
  Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v.replace(/\$\{\w+:-([^}]*)\}/g, '$1')]));

/** `127.0.0.1:HOST:CONTAINER` → { host, published, target }. */
function port(spec: string) {
  const [host, published, target] = spec.split(':');
  return { host, published: Number(published), target: Number(target) };
}

const RELAY_SERVICES = ['setup', 'worker', 'publish'];

describe('docker compose: the services of the local sandbox', () => {
  it('has the emulator, fake-gcs-server, the sandbox, setup, the worker and publish', () => {
    expect(Object.keys(services).sort()).toEqual([
      'firestore',
      'gcs',
      'publish',
      'pubsub',
      'sandbox',
      'setup',
      'worker',
    ]);
  });

  it('pins every image it pulls by digest and says how to update them (its own images are built here)', () => {
    for (const [name, svc] of Object.entries(services)) {
      if ((svc as { build?: unknown }).build !== undefined) continue;
      expect(svc.image, name).toMatch(/^[a-z0-9./-]+(:[\w.-]+)?@sha256:[0-9a-f]{64}$/);
    }
    const header = readFileSync(`${ROOT}docker-compose.yml`, 'utf8').split('\nname:')[0]!;
    expect(header).toMatch(/pinned by digest/);
    expect(header).toMatch(/docker buildx imagetools inspect|docker inspect --format/);
  });

  it('runs the official Pub/Sub emulator on 0.0.0.0:8085', () => {
    const pubsub = service('pubsub');
    expect(pubsub.image).toMatch(/^gcr\.io\/google\.com\/cloudsdktool\/google-cloud-cli:.*emulators/);
    expect(pubsub.command?.slice(0, 5)).toEqual(['gcloud', 'beta', 'emulators', 'pubsub', 'start']);
    expect(pubsub.command).toContain('--host-port=0.0.0.0:8085');
    expect(pubsub.healthcheck?.test?.join(' ')).toContain('8085');
  });

  it("runs the official Firestore emulator on 0.0.0.0:8086, the worker's state on it", () => {
    const firestore = service('firestore');
    expect(firestore.image).toBe(service('pubsub').image);
    expect(firestore.command?.slice(0, 4)).toEqual(['gcloud', 'emulators', 'firestore', 'start']);
    expect(firestore.command).toContain('--host-port=0.0.0.0:8086');
    expect(firestore.healthcheck?.test?.join(' ')).toContain('8086');
    expect((firestore.ports ?? []).map((p) => port(p).target)).toContain(8086);
    expect(env('worker').FIRESTORE_EMULATOR_HOST).toBe('firestore:8086');
    expect(env('worker').STATE_URI).toBe('firestore://finding-relay-local/(default)');
  });

  it('runs fake-gcs-server over http on 4443 with the bucket the worker uses', () => {
    const gcs = service('gcs');
    expect(gcs.image).toMatch(/^fsouza\/fake-gcs-server/);
    const args = gcs.command ?? [];
    expect(args[args.indexOf('-scheme') + 1]).toBe('http');
    expect(args[args.indexOf('-port') + 1]).toBe('4443');
    expect(gcs.volumes).toContain('./docker/gcs-data:/data:ro');
    const bucket = /^gs:\/\/([^/]+)/.exec(env('worker').STORAGE_URI ?? '')?.[1];
    expect(bucket).toBeDefined();
    expect(statSync(`${ROOT}docker/gcs-data/${bucket}`).isDirectory()).toBe(true);
  });

  it('builds the relay services from the runtime stage and the sandbox from its own stage', () => {
    const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
    for (const name of RELAY_SERVICES) expect(service(name).build?.target, name).toBe('runtime');
    expect(service('sandbox').build?.target).toBe('sandbox');
    for (const target of ['runtime', 'sandbox'])
      expect(dockerfile).toMatch(new RegExp(`^FROM .+ AS ${target}$`, 'm'));
  });
});

describe('docker compose: wiring', () => {
  it('publishes every port on 127.0.0.1 only', () => {
    const specs = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of specs) expect(port(spec).host, spec).toBe('127.0.0.1');
  });

  it('publishes the emulator, the storage server, the sandbox and the worker status page', () => {
    const published = (name: string) => (service(name).ports ?? []).map((p) => port(p).target);
    expect(published('pubsub')).toContain(8085);
    expect(published('gcs')).toContain(4443);
    // The worker shares the sandbox's network namespace, so its port is published there.
    expect(service('worker').network_mode).toBe('service:sandbox');
    expect(service('worker').ports).toBeUndefined();
    expect(published('sandbox')).toEqual(
      expect.arrayContaining([
        Number(env('worker').PORT),
        Number(env('sandbox').SANDBOX_SLACK_PORT),
        Number(env('sandbox').SANDBOX_GITHUB_PORT),
      ]),
    );
  });

  it('gives relay services only variables finding-relay knows', () => {
    for (const name of RELAY_SERVICES) expect(unknownVariables(Object.keys(env(name))), name).toEqual([]);
  });

  it('gives the sandbox only the variables docker/sandbox.ts reads', () => {
    const allowed = new Set<string>(SANDBOX_VARIABLES);
    expect(Object.keys(env('sandbox')).filter((name) => !allowed.has(name))).toEqual([]);
  });

  it('points every relay service at the emulator', () => {
    for (const name of RELAY_SERVICES) {
      expect(env(name).PUBSUB_EMULATOR_HOST, name).toBe('pubsub:8085');
      expect(env(name).GOOGLE_CLOUD_PROJECT, name).toBe('finding-relay-local');
    }
    expect(service('pubsub').command).toContain('--project=finding-relay-local');
  });

  it('points the worker at fake-gcs-server with the http scheme the Storage client needs', () => {
    // Without a scheme @google-cloud/storage assumes https, which fake-gcs-server -scheme http refuses.
    expect(env('worker').STORAGE_EMULATOR_HOST).toBe('http://gcs:4443');
    expect(env('worker').STORAGE_URI).toMatch(/^gs:\/\//);
  });

  it('binds the worker HTTP server on 0.0.0.0 so the health check and the host reach it', () => {
    expect(env('worker').HTTP_HOST).toBe('0.0.0.0');
    expect(service('worker').healthcheck?.test?.join(' ')).toContain(`:${env('worker').PORT}/readyz`);
  });

  it('wires the worker to the sandbox stand-ins on loopback', () => {
    const worker = env('worker');
    const sandbox = env('sandbox');
    expect(worker.SLACK_WEBHOOK_URL).toBe(
      `http://127.0.0.1:${sandbox.SANDBOX_SLACK_PORT}${SANDBOX_SLACK_PATH}`,
    );
    expect(worker.GITHUB_API_URL).toBe(`http://127.0.0.1:${sandbox.SANDBOX_GITHUB_PORT}`);
    expect(worker.GITHUB_TOKEN).toBe(sandbox.SANDBOX_GITHUB_TOKEN);
  });

  it('the worker configuration loads cleanly: dev, Slack to the sandbox, GitHub in dry-run', () => {
    const result = loadConfig(withDefaults(env('worker')), { cwd: ROOT });
    expect(result.issues).toEqual([]);
    expect(result.config.deploymentEnv).toBe('dev');
    const modes = resolveModes(result.config);
    expect(modes.slack.mode).toBe('ENABLED');
    expect(modes.github.mode).toBe('DRY_RUN');
  });

  it('`DRY_RUN=false docker compose up` turns GitHub real, against the sandbox only', () => {
    const vars = { ...withDefaults(env('worker')), DRY_RUN: 'false' };
    const result = loadConfig(vars, { cwd: ROOT });
    expect(resolveModes(result.config).github.mode).toBe('REAL');
    expect(result.config.github.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });
});

describe('docker compose: order', () => {
  it('setup waits for a healthy emulator', () => {
    expect(service('setup').depends_on?.pubsub).toEqual({ condition: 'service_healthy' });
    expect(service('setup').command).toEqual(['setup']);
  });

  it('the worker starts only after setup completed', () => {
    expect(service('worker').depends_on?.setup).toEqual({ condition: 'service_completed_successfully' });
    expect(service('worker').depends_on?.sandbox).toEqual({ condition: 'service_healthy' });
    expect(service('worker').depends_on?.firestore).toEqual({ condition: 'service_healthy' });
    expect(service('worker').command).toEqual(['worker']);
  });

  it('publish sends the examples once setup completed and the worker is ready', () => {
    const publish = service('publish');
    expect(publish.depends_on?.setup).toEqual({ condition: 'service_completed_successfully' });
    expect(publish.depends_on?.worker).toEqual({ condition: 'service_healthy' });
    const [command, file] = publish.command ?? [];
    expect(command).toBe('publish');
    const mount = (publish.volumes ?? [])
      .map((v) => v.split(':'))
      .find(([, target]) => file?.startsWith(`${target}/`));
    expect(mount).toBeDefined();
    const [source, target] = mount!;
    expect(existsSync(`${ROOT}${source!.replace(/^\.\//, '')}${file!.slice(target!.length)}`)).toBe(true);
  });

  it('one-shot services do not inherit the image health check', () => {
    expect(service('setup').healthcheck?.disable).toBe(true);
    expect(service('publish').healthcheck?.disable).toBe(true);
  });
});
