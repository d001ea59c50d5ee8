import { describe, expect, it } from 'vitest';
import { assertValidKey } from '../../state/keys.js';
import { createMemoryStore } from '../../state/memory-store.js';
import type { GitHubIssueSummary } from './client.js';
import {
  CorruptIndexEntryError,
  IssueIndex,
  type IssueIndexEntry,
  issueIndexKey,
  pickMarkedIssues,
} from './issue-index.js';

const entry: IssueIndexEntry = {
  state: 'open',
  number: 3,
  lastCommentAt: '2026-11-03T10:00:00.000Z',
  seenSinceComment: 0,
  firstSeenAt: '2026-11-03T10:00:00.000Z',
};

describe('IssueIndex', () => {
  it('keys by namespace, case-insensitive repo and encoded fingerprint, always a valid store key', () => {
    const key = issueIndexKey('real', 'Acme/Widgets', '../../etc/passwd -->');
    expect(() => assertValidKey(key)).not.toThrow();
    expect(key).toBe(issueIndexKey('real', 'acme/widgets', '../../etc/passwd -->'));
    expect(key).not.toBe(issueIndexKey('dry-run', 'acme/widgets', '../../etc/passwd -->'));
    expect(key.startsWith('github/issue-index/real/')).toBe(true);
  });

  it('creates only once and replaces only at the generation it read', async () => {
    const index = new IssueIndex(createMemoryStore(), 'real');
    const created = await index.create('a/b', 'fp', entry);
    expect(created?.entry).toEqual(entry);
    expect(await index.create('a/b', 'fp', { ...entry, number: 9 })).toBeUndefined();
    const replaced = await index.replace('a/b', 'fp', created!.generation, { ...entry, seenSinceComment: 1 });
    expect(replaced).toBeDefined();
    expect(
      await index.replace('a/b', 'fp', created!.generation, { ...entry, seenSinceComment: 2 }),
    ).toBeUndefined();
    expect((await index.read('A/B', 'fp'))?.entry.seenSinceComment).toBe(1);
    expect(await index.remove('a/b', 'fp', created!.generation)).toBe(false);
    expect(await index.remove('a/b', 'fp', replaced!.generation)).toBe(true);
    expect(await index.read('a/b', 'fp')).toBeUndefined();
  });

  it('refuses an entry it cannot trust', async () => {
    const store = createMemoryStore();
    await store.createIfAbsent(issueIndexKey('real', 'a/b', 'fp'), '{"state":"weird"}');
    await expect(new IssueIndex(store, 'real').read('a/b', 'fp')).rejects.toBeInstanceOf(
      CorruptIndexEntryError,
    );
  });
});

describe('pickMarkedIssues', () => {
  const issue = (number: number, state: 'open' | 'closed', fingerprint?: string): GitHubIssueSummary => ({
    number,
    state,
    fingerprint,
    htmlUrl: `https://github.test/${number}`,
    createdAt: '2026-11-03T10:00:00Z',
    updatedAt: '2026-11-03T10:00:00Z',
  });

  it('picks the open issue and the newest closed one carrying the fingerprint', () => {
    const issues = [
      issue(1, 'closed', 'fp'),
      issue(2, 'open', 'other'),
      issue(3, 'closed', 'fp'),
      issue(4, 'open', 'fp'),
    ];
    expect(pickMarkedIssues(issues, 'fp')).toEqual({ open: issues[3], closed: issues[2] });
    expect(pickMarkedIssues(issues, 'none')).toEqual({ open: undefined, closed: undefined });
  });
});
