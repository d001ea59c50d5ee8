/**
 * Writes schemas/finding.v1.schema.json from the zod schema: `npx tsx scripts/generate-schema.ts`.
 * `--check` writes nothing and exits 1 when the committed file is stale (for CI).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderFindingJsonSchema } from '@finding-relay/publisher/finding';

export { renderFindingJsonSchema };

export const FINDING_SCHEMA_PATH = fileURLToPath(
  new URL('../schemas/finding.v1.schema.json', import.meta.url),
);

function readCommitted(): string | undefined {
  try {
    return readFileSync(FINDING_SCHEMA_PATH, 'utf8');
  } catch {
    return undefined;
  }
}

function main(argv: readonly string[]): number {
  const rendered = renderFindingJsonSchema();
  const upToDate = readCommitted() === rendered;
  if (argv.includes('--check')) {
    console.log(upToDate ? 'finding.v1.schema.json is up to date' : 'finding.v1.schema.json is stale');
    return upToDate ? 0 : 1;
  }
  if (!upToDate) writeFileSync(FINDING_SCHEMA_PATH, rendered);
  console.log(`${upToDate ? 'unchanged' : 'wrote'} ${FINDING_SCHEMA_PATH}`);
  return 0;
}

// Importing this module (the drift test does) must not write anything.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
