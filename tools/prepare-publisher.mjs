// `npm install` / `npm ci` (the root's prepare script): builds the publisher workspace package, so
// the relay's sources also run from outside the repository. There tsx finds no tsconfig.json and
// its paths to the package's sources, and resolves the package as installed: its dist.
// Skipped where there is nothing to build with: the sources not there yet (a Docker stage) or no
// TypeScript (an install without devDependencies).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = `${root}node_modules/.bin/tsc`;
if (!existsSync(`${root}packages/publisher/src/index.ts`) || !existsSync(tsc)) process.exit(0);
const built = spawnSync(tsc, ['-p', `${root}packages/publisher/tsconfig.build.json`], { stdio: 'inherit' });
if (built.status !== 0) console.error('prepare: building packages/publisher failed');
process.exit(built.status ?? 1);
