import { z } from 'zod';
import { findingInputSchema } from './schema.js';

export const FINDING_SCHEMA_ID = 'urn:finding-relay:schema:finding:v1';

const COMMENT =
  'Generated from packages/publisher/src/schema.ts by scripts/generate-schema.ts; do not edit. The zod schema is ' +
  'the source of truth. Differences: zod measures the title after trimming and also requires url ' +
  'to parse as a WHATWG URL with a host and no credentials.';

/** The publisher-side (input) JSON Schema, draft 2020-12, with a stable key order. */
export function buildFindingJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(findingInputSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'throw',
  }) as Record<string, unknown>;
  const { $schema, title, description, ...rest } = generated;
  return { $schema, $id: FINDING_SCHEMA_ID, title, description, $comment: COMMENT, ...rest };
}

/** The exact text of schemas/finding.v1.schema.json: 2-space JSON and a trailing newline. */
export function renderFindingJsonSchema(): string {
  return `${JSON.stringify(buildFindingJsonSchema(), null, 2)}\n`;
}
