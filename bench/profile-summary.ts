import { readFileSync } from 'node:fs';

/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and says where the time went: self time by owner
 * (our src/ files, each npm package, Node's internals, GC, idle) and the top functions.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled time (ms), idle excluded. */
  readonly busyMs: number;
  readonly idleMs: number;
  /** Self time by owner, largest first: `src/state/sqlite-relay-state.ts`, `npm:pino`, `node:internal`, `(gc)`… */
  readonly byOwner: Array<{ owner: string; ms: number; share: number }>;
  /** Self time of single functions, largest first. */
  readonly topFunctions: Array<{ fn: string; owner: string; ms: number; share: number }>;
  /** Inclusive time of our own files (self time of everything they call, attributed to the nearest src/ frame). */
  readonly ownInclusive: Array<{ file: string; ms: number; share: number }>;
}

function ownerOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)') return '(program)';
    return '(native)';
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return `npm:${pkg[1]}`;
  const own = /\/((?:src|bench|test)\/.+)$/.exec(url);
  if (own) return own[1]!;
  if (url.startsWith('node:')) return 'node:internal';
  return url;
}

const isOwn = (owner: string) => owner.startsWith('src/');

export function summariseProfile(path: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });

  const owners = new Map<string, number>();
  const fns = new Map<string, { owner: string; us: number }>();
  const inclusive = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const owner = ownerOf(url, functionName);
    if (owner === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${owner}:${lineNumber + 1}`;
    fns.set(fn, { owner, us: (fns.get(fn)?.us ?? 0) + us });
    // Inclusive per own file: the nearest src/ frame on the stack gets this sample.
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      const frameOwner = ownerOf(frame.url, frame.functionName);
      if (isOwn(frameOwner)) {
        inclusive.set(frameOwner, (inclusive.get(frameOwner) ?? 0) + us);
        break;
      }
    }
  }
  const ms = (us: number) => Math.round(us / 100) / 10;
  const share = (us: number) => Math.round((us / Math.max(1, busyUs)) * 1000) / 10;
  return {
    busyMs: ms(busyUs),
    idleMs: ms(idleUs),
    byOwner: [...owners]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([owner, us]) => ({ owner, ms: ms(us), share: share(us) })),
    topFunctions: [...fns]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([fn, v]) => ({ fn, owner: v.owner, ms: ms(v.us), share: share(v.us) })),
    ownInclusive: [...inclusive]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([file, us]) => ({ file, ms: ms(us), share: share(us) })),
  };
}

// `npx tsx bench/profile-summary.ts FILE.cpuprofile` prints the summary.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, '/bench/'))) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx bench/profile-summary.ts FILE.cpuprofile');
    process.exit(2);
  }
  console.log(JSON.stringify(summariseProfile(file), null, 2));
}
