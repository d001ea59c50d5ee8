import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Checks requests (and the stand-in's own answers) against GitHub's OpenAPI description, as
 * extracted into test/fixtures/github-openapi/operations.json by scripts/extract-github-openapi.ts.
 */

const FIXTURE = new URL('../fixtures/github-openapi/operations.json', import.meta.url);
const DOC_ID = 'github-openapi';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonObject;
}

export interface Operation {
  readonly method: string;
  readonly path: string;
  readonly operationId: string;
  readonly pattern: RegExp;
  readonly pathNames: string[];
  readonly params: { path: ValidateFunction; query: ValidateFunction; queryNames: Set<string> };
  readonly body: ValidateFunction | undefined;
  readonly bodyRequired: boolean;
  readonly responses: Map<string, ValidateFunction | undefined>;
}

const isObject = (v: Json | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * OpenAPI 3.0 → JSON Schema (draft-07, what Ajv speaks): `nullable: true` becomes a `null` type
 * (or an `anyOf` with null when there is no `type`), `#/components/...` refs point into the
 * document registered under DOC_ID.
 */
export function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/')) out[key] = `${DOC_ID}${value}`;
    else if (key !== 'nullable') out[key] = toJsonSchema(value);
  }
  if (node.nullable !== true) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

function resolve(doc: JsonObject, node: Json): Json {
  if (isObject(node) && typeof node.$ref === 'string') {
    let target: Json | undefined = doc;
    for (const part of node.$ref.slice(2).split('/')) target = isObject(target) ? target[part] : undefined;
    if (target === undefined) throw new Error(`unresolvable ${node.$ref}`);
    return resolve(doc, target);
  }
  return node;
}

function newAjv(doc: JsonObject, coerceTypes: boolean): Ajv {
  // strict off: OpenAPI annotations (readOnly, x-…, deprecated) are not Ajv keywords.
  const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes, logger: false });
  addFormats.default(ajv);
  ajv.addSchema(toJsonSchema(doc) as JsonObject, DOC_ID);
  return ajv;
}

function objectSchema(params: Parameter[]): JsonObject {
  return {
    type: 'object',
    properties: Object.fromEntries(params.map((p) => [p.name, (p.schema ?? {}) as Json])),
    required: params.filter((p) => p.required).map((p) => p.name),
  };
}

export function loadOperations(): Operation[] {
  const raw = JSON.parse(readFileSync(FIXTURE, 'utf8')) as JsonObject;
  const doc: JsonObject = { components: raw.components ?? {} };
  const plain = newAjv(doc, false);
  const coercing = newAjv(doc, true); // path and query values arrive as strings
  const compile = (ajv: Ajv, schema: Json) => ajv.compile(toJsonSchema(schema) as JsonObject);
  return (raw.operations as JsonObject[]).map((op) => {
    const params = ((op.parameters ?? []) as Json[]).map((p) => resolve(doc, p) as unknown as Parameter);
    const inPath = params.filter((p) => p.in === 'path');
    const inQuery = params.filter((p) => p.in === 'query');
    const path = String(op.path);
    const pathNames: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/\{([^}]+)\}/g, (_, name: string) => {
        pathNames.push(name);
        return '([^/]+)';
      })}$`,
    );
    const requestBody = resolve(doc, op.requestBody ?? null) as JsonObject | null;
    const bodySchema = requestBody
      ? resolve(doc, (requestBody.content as JsonObject)['application/json'] ?? null)
      : null;
    const responses = new Map<string, ValidateFunction | undefined>();
    for (const [status, response] of Object.entries((op.responses ?? {}) as JsonObject)) {
      const content = (resolve(doc, response) as JsonObject).content as JsonObject | undefined;
      const schema = (content?.['application/json'] as JsonObject | undefined)?.schema;
      responses.set(status, schema ? compile(plain, schema) : undefined);
    }
    return {
      method: String(op.method),
      path,
      operationId: String(op.operationId),
      pattern,
      pathNames,
      params: {
        path: compile(coercing, objectSchema(inPath)),
        query: compile(coercing, objectSchema(inQuery)),
        queryNames: new Set(inQuery.map((p) => p.name)),
      },
      body: isObject(bodySchema) && bodySchema.schema ? compile(plain, bodySchema.schema) : undefined,
      bodyRequired: requestBody?.required === true,
      responses,
    };
  });
}

/** Ajv errors as short readable lines, e.g. `body must have required property 'title'`. */
export function describeErrors(where: string, validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((e) => `${where}${e.instancePath} ${e.message ?? 'is invalid'}`.trim());
}
