import { describe, expect, it } from 'vitest';
import {
  actionOf,
  commentIssueRequest,
  createIssueRequest,
  DRY_RUN_ISSUE_PLACEHOLDER,
  repoPath,
} from './requests.js';

describe('GitHub write requests', () => {
  it('builds create-issue exactly as sent, with no header or secret', () => {
    const request = createIssueRequest('acme/widgets', { title: 't', body: 'b', labels: ['finding-relay'] });
    expect(request).toEqual({
      method: 'POST',
      path: '/repos/acme/widgets/issues',
      body: { title: 't', body: 'b', labels: ['finding-relay'] },
    });
    expect(actionOf(request)).toBe('create-issue');
  });

  it('builds comment-issue for a number or the dry-run placeholder', () => {
    expect(commentIssueRequest('acme/widgets', 12, 'again')).toEqual({
      method: 'POST',
      path: '/repos/acme/widgets/issues/12/comments',
      body: { body: 'again' },
    });
    const dry = commentIssueRequest('acme/widgets', DRY_RUN_ISSUE_PLACEHOLDER, 'x');
    expect(dry.path).toBe('/repos/acme/widgets/issues/{dry-run-issue}/comments');
    expect(actionOf(dry)).toBe('comment-issue');
  });

  it('refuses anything but owner/name and encodes the parts', () => {
    expect(() => repoPath('acme')).toThrow(TypeError);
    expect(() => repoPath('a/b/c')).toThrow(TypeError);
    expect(() => repoPath('/b')).toThrow(TypeError);
    expect(repoPath('a b/c?d')).toBe('/repos/a%20b/c%3Fd');
  });
});
