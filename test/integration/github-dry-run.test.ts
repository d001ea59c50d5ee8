import { afterEach, describe, expect, it } from 'vitest';
import { DRY_RUN_ISSUE_PLACEHOLDER } from '../../src/channels/github/requests.js';
import type { DeliveryItem } from '../../src/channels/types.js';
import type { Finding } from '../../src/finding/schema.js';
import { deliverItem, dryRunItem, type Kit, makeFinding, REPO, startKit } from './github-kit.js';

const kits: Kit[] = [];
async function kit(): Promise<Kit> {
  const k = await startKit();
  kits.push(k);
  return k;
}
afterEach(async () => {
  for (const k of kits.splice(0)) {
    expect(k.gh.violations).toEqual([]);
    await k.close();
  }
});

const HOUR = 3_600_000;
const sortByJson = <T>(list: T[]) =>
  [...list].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

/** The same story told to a sink: two new findings, a recurrence after the window, one within it. */
async function story(k: Kit, as: (f: Finding) => DeliveryItem) {
  const a = (id: string) =>
    makeFinding({ id, fingerprint: 'fp-a', title: 'secret in config', metadata: { file: 'a.yml' } });
  const b = makeFinding({
    id: 'b1',
    fingerprint: 'fp-b',
    severity: 'critical',
    url: 'https://scanner.example/b',
  });
  const first = await k.deliver([as(a('a1')), as(b)]);
  k.clock.advance(HOUR + 1);
  const second = await k.deliver([as(a('a2'))]);
  const third = await k.deliver([as(a('a3'))]);
  return [...first, ...second, ...third];
}

describe('GitHub sink in dry-run', () => {
  it('writes ledger requests equal, field for field, to what REAL mode sends for the same findings', async () => {
    const real = await kit();
    const dry = await kit();
    const realOutcomes = await story(real, deliverItem);
    const dryOutcomes = await story(dry, dryRunItem);
    expect(realOutcomes.map((o) => o.kind)).toEqual(['sent', 'sent', 'sent', 'dropped']);
    expect(dryOutcomes.map((o) => o.kind)).toEqual(['dry-run', 'dry-run', 'dry-run', 'dropped']);
    expect(dry.gh.requests).toEqual([]); // a dry run never talks to GitHub

    const sent = real.gh.requests
      .filter((r) => r.method === 'POST')
      .map(({ method, path, body }) => ({ method, path, body }));
    const ledgered = dry.ledger.entries.map((e) => e.request);
    expect(sent).toHaveLength(3);
    // The only difference: the number of an issue the dry run never opened is the placeholder.
    const placeholdered = sent.map((r) => ({
      ...r,
      path: r.path.replace(/\/issues\/\d+\/comments$/, `/issues/${DRY_RUN_ISSUE_PLACEHOLDER}/comments`),
    }));
    expect(sortByJson(ledgered)).toEqual(sortByJson(placeholdered));
    expect(sortByJson(sent.filter((r) => r.path.endsWith('/issues')))).toEqual(
      sortByJson(ledgered.filter((r) => r.path.endsWith('/issues'))),
    );
    expect(dry.ledger.entries.map((e) => [e.findingId, e.fingerprint, e.action]).sort()).toEqual([
      ['a1', 'fp-a', 'create-issue'],
      ['a2', 'fp-a', 'comment-issue'],
      ['b1', 'fp-b', 'create-issue'],
    ]);
    expect(dryOutcomes[0]).toEqual({
      kind: 'dry-run',
      ledgerKey: expect.stringMatching(/^memory-ledger\/\d$/),
    });
    expect(JSON.stringify(dry.ledger.entries)).not.toContain(dry.gh.token);
  });

  it('continues from a real issue the real index knows, and never touches it', async () => {
    const k = await kit();
    await k.deliver([deliverItem(makeFinding({ id: 'r1' }))]);
    const [within] = await k.deliver([dryRunItem(makeFinding({ id: 'd1' }))]);
    expect(within).toEqual({ kind: 'dropped', reason: 'duplicate' });
    k.clock.advance(HOUR + 1);
    const [after] = await k.deliver([dryRunItem(makeFinding({ id: 'd2' }))]);
    expect(after?.kind).toBe('dry-run');
    expect(k.ledger.entries.map((e) => [e.action, e.request.path])).toEqual([
      ['comment-issue', `/repos/${REPO}/issues/1/comments`],
    ]);
    expect(k.ledger.entries[0]!.request.body.body).toMatch(/^Seen again \*\*2 times\*\*/);
    expect(k.gh.comments(REPO, 1)).toEqual([]);
    expect(k.gh.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('links a closed real issue when it would open a new one', async () => {
    const k = await kit();
    await k.deliver([deliverItem(makeFinding({ id: 'r1' }))]);
    k.gh.closeIssue(REPO, 1);
    k.clock.advance(6 * 60_000);
    // REAL notices the closure but cannot open the follow-up: the index keeps #1 as closed.
    k.gh.setFault({ kind: 'status', status: 422, method: 'POST' });
    const [refused] = await k.deliver([deliverItem(makeFinding({ id: 'r2' }))]);
    expect(refused).toMatchObject({ kind: 'permanent' });
    k.gh.setFault({ kind: 'none' });
    const [planned] = await k.deliver([dryRunItem(makeFinding({ id: 'd1' }))]);
    expect(planned?.kind).toBe('dry-run');
    const entry = k.ledger.entries.at(-1)!;
    expect(entry.action).toBe('create-issue');
    expect(entry.request.path).toBe(`/repos/${REPO}/issues`);
    expect(entry.request.body.body).toContain('| **Previously** | #1 |');
    expect(k.gh.issues(REPO)).toHaveLength(1);
  });

  it('gives the claim back when the ledger cannot be written, so the retry plans the same create', async () => {
    const k = await kit();
    k.ledger.failing = true;
    const item = dryRunItem(makeFinding({ id: 'd1' }));
    const [failed] = await k.deliver([item]);
    expect(failed).toMatchObject({ kind: 'transient', cause: expect.stringContaining('ledger') });
    k.ledger.failing = false;
    const [retried] = await k.deliver([item]);
    expect(retried?.kind).toBe('dry-run');
    expect(k.ledger.entries.map((e) => e.action)).toEqual(['create-issue']);
  });
});
