import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractOperations, RELAY_OPERATIONS } from './extract-github-openapi.js';

const op = (id: string, schemaRef: string) => ({
  operationId: id,
  description: 'long text',
  externalDocs: { url: 'x' },
  parameters: [{ $ref: '#/components/parameters/owner' }],
  responses: {
    '200': { description: 'ok', content: { 'application/json': { schema: { $ref: schemaRef } } } },
  },
});

describe('extractOperations', () => {
  it('keeps the relay operations and every component they reference, transitively, without docs', () => {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const { method, path } of RELAY_OPERATIONS) {
      paths[path] ??= {};
      paths[path][method] = op(`${method} ${path}`, '#/components/schemas/issue');
    }
    paths['/unused'] = { get: op('unused', '#/components/schemas/unused') };
    const doc = {
      openapi: '3.0.3',
      info: { version: '1.2.3' },
      paths,
      components: {
        parameters: { owner: { name: 'owner', in: 'path', required: true, schema: { type: 'string' } } },
        schemas: {
          issue: {
            type: 'object',
            description: 'an issue',
            properties: { description: { type: 'string' }, user: { $ref: '#/components/schemas/user' } },
          },
          user: { type: 'object', example: { login: 'x' }, properties: { login: { type: 'string' } } },
          unused: { type: 'string' },
        },
      },
    };
    const out = extractOperations(JSON.parse(JSON.stringify(doc))) as {
      operations: Array<Record<string, unknown>>;
      components: { schemas: Record<string, Record<string, unknown>>; parameters: Record<string, unknown> };
    };
    expect(out.operations.map((o) => `${o.method} ${o.path}`)).toEqual(
      RELAY_OPERATIONS.map((o) => `${o.method.toUpperCase()} ${o.path}`),
    );
    expect(Object.keys(out.components.schemas)).toEqual(['issue', 'user']);
    expect(out.components.schemas.issue).toEqual({
      type: 'object',
      properties: { description: { type: 'string' }, user: { $ref: '#/components/schemas/user' } },
    });
    expect(out.components.schemas.user).not.toHaveProperty('example');
    expect(out.operations[0]).not.toHaveProperty('description');
    expect(Object.keys(out.components.parameters)).toEqual(['owner']);
  });

  it('fails loudly when an operation is missing', () => {
    expect(() => extractOperations({ paths: {} })).toThrow(/operation missing/);
  });

  it('the committed fixture is small and every $ref in it resolves', () => {
    const text = readFileSync(
      new URL('../test/fixtures/github-openapi/operations.json', import.meta.url),
      'utf8',
    );
    expect(text.length).toBeLessThan(300 * 1024);
    const fixture = JSON.parse(text) as { components: Record<string, Record<string, unknown>> };
    for (const [, ref] of text.matchAll(/"\$ref": ?"#\/components\/([^"]+)"/g)) {
      const [section, name] = ref!.split('/');
      expect(fixture.components[section!]?.[name!], ref).toBeDefined();
    }
  });
});
