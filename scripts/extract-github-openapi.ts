/**
 * Extracts the few GitHub REST operations the relay uses (plus every component they reference)
 * from GitHub's OpenAPI description into a small, committed fixture that the GitHub stand-in
 * validates requests against.
 *
 *   npm i --prefix /tmp/octokit-openapi @octokit/openapi     # ~385 MB: never inside the repo
 *   npx tsx scripts/extract-github-openapi.ts [path/to/api.github.com.json]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEFAULT_PACKAGE_DIR = '/tmp/octokit-openapi/node_modules/@octokit/openapi';
const DEFAULT_SOURCE = join(DEFAULT_PACKAGE_DIR, 'generated/api.github.com.json');
const OUTPUT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../test/fixtures/github-openapi/operations.json',
);

/** The operations the relay sends, in a fixed order. */
export const RELAY_OPERATIONS = [
  { method: 'post', path: '/repos/{owner}/{repo}/issues' },
  { method: 'get', path: '/repos/{owner}/{repo}/issues' },
  { method: 'get', path: '/repos/{owner}/{repo}/issues/{issue_number}' },
  { method: 'post', path: '/repos/{owner}/{repo}/issues/{issue_number}/comments' },
] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Keys whose values are maps of names to schemas: their keys are names, never keywords. */
const NAME_MAPS = new Set([
  'properties',
  'patternProperties',
  'definitions',
  '$defs',
  'responses',
  'headers',
]);
/** Documentation-only keywords dropped to keep the fixture small (no effect on validation). */
const DOC_KEYS = new Set(['description', 'example', 'examples', 'externalDocs', 'x-github', 'tags']);

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Copies a node without documentation keys; `inNameMap` says the keys are names, not keywords. */
function strip(node: Json, inNameMap = false): Json {
  if (Array.isArray(node)) return node.map((item) => strip(item));
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (!inNameMap && DOC_KEYS.has(key)) continue;
    out[key] = strip(value, !inNameMap && NAME_MAPS.has(key));
  }
  return out;
}

function collectRefs(node: Json, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, into);
  } else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') into.add(value);
      else collectRefs(value, into);
    }
  }
}

function lookup(doc: JsonObject, ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`external $ref not supported: ${ref}`);
  let node: Json | undefined = doc;
  for (const raw of ref.slice(2).split('/')) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    node = isObject(node) ? node[part] : undefined;
    if (node === undefined) throw new Error(`unresolvable $ref: ${ref}`);
  }
  return node;
}

function sortKeys(node: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function extractOperations(doc: JsonObject): JsonObject {
  const paths = doc.paths;
  if (!isObject(paths)) throw new Error('not an OpenAPI document: no paths');
  const operations: Json[] = [];
  const pending = new Set<string>();
  for (const { method, path } of RELAY_OPERATIONS) {
    const item = paths[path];
    const op = isObject(item) ? item[method] : undefined;
    if (!isObject(op)) throw new Error(`operation missing from the description: ${method} ${path}`);
    const { operationId, summary, parameters, requestBody, responses } = op;
    const kept = strip({
      operationId,
      summary,
      parameters,
      requestBody,
      responses,
    } as JsonObject) as JsonObject;
    for (const key of Object.keys(kept)) if (kept[key] === undefined) delete kept[key];
    operations.push({ method: method.toUpperCase(), path, ...kept });
    collectRefs(kept, pending);
  }
  // Resolve references transitively: every component a kept node points at is kept too.
  const resolved = new Map<string, Json>();
  while (pending.size > 0) {
    const [ref] = pending;
    pending.delete(ref!);
    if (resolved.has(ref!)) continue;
    const node = strip(lookup(doc, ref!));
    resolved.set(ref!, node);
    const inner = new Set<string>();
    collectRefs(node, inner);
    for (const next of inner) if (!resolved.has(next)) pending.add(next);
  }
  const components: Record<string, JsonObject> = {};
  for (const [ref, node] of resolved) {
    const [, , section, name] = ref.split('/');
    if (!section || !name || ref.split('/').length !== 4) throw new Error(`unexpected $ref shape: ${ref}`);
    components[section] ??= {};
    components[section][name.replaceAll('~1', '/').replaceAll('~0', '~')] = node;
  }
  const info = isObject(doc.info) ? doc.info : {};
  return {
    source: {
      description:
        'Extracted by scripts/extract-github-openapi.ts from @octokit/openapi; do not edit by hand.',
      openapi: doc.openapi ?? null,
      apiVersion: info.version ?? null,
    },
    operations,
    components: sortKeys(Object.fromEntries(Object.entries(components).map(([k, v]) => [k, sortKeys(v)]))),
  };
}

function main(): void {
  const source = process.argv[2] ?? DEFAULT_SOURCE;
  if (!existsSync(source)) {
    process.stderr.write(
      `GitHub's OpenAPI description not found at ${source}.\n` +
        'Install it outside the repository (it is ~385 MB) and run again:\n' +
        '  npm i --prefix /tmp/octokit-openapi @octokit/openapi\n' +
        '  npx tsx scripts/extract-github-openapi.ts [path/to/api.github.com.json]\n',
    );
    process.exit(2);
  }
  const doc = JSON.parse(readFileSync(source, 'utf8')) as JsonObject;
  const out = extractOperations(doc);
  const pkgFile = join(dirname(dirname(source)), 'package.json');
  if (existsSync(pkgFile)) {
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { name?: string; version?: string };
    (out.source as JsonObject).package = `${pkg.name}@${pkg.version}`;
  }
  const text = `${JSON.stringify(out, null, 1)}\n`;
  writeFileSync(OUTPUT, text);
  process.stdout.write(
    `wrote ${OUTPUT} (${Math.round(text.length / 1024)} KiB, ${out.operations && (out.operations as Json[]).length} operations)\n`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
