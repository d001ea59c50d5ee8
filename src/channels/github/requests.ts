import type { LedgerRequest } from '../ledger/types.js';
import type { RenderedIssue } from './render.js';

/**
 * The exact write requests the relay makes. The REAL client sends these objects and the dry-run
 * ledger records them, so a ledger record equals the real request field for field. No header, no
 * token: nothing secret can reach the ledger.
 */

export type GitHubAction = 'create-issue' | 'comment-issue';

/**
 * In dry-run a recurrence may target an issue that was never created. Its path then carries this
 * placeholder instead of a number (`/repos/o/r/issues/{dry-run-issue}/comments`), meaning "the
 * issue the create-issue record for this fingerprint would have opened".
 */
export const DRY_RUN_ISSUE_PLACEHOLDER = '{dry-run-issue}';

/** `/repos/{owner}/{repo}` with both parts URL-encoded (validated names never need it; defence in depth). */
export function repoPath(repo: string): string {
  const slash = repo.indexOf('/');
  if (slash <= 0 || slash === repo.length - 1 || repo.indexOf('/', slash + 1) >= 0) {
    throw new TypeError(`not an owner/name repo: ${JSON.stringify(repo)}`);
  }
  return `/repos/${encodeURIComponent(repo.slice(0, slash))}/${encodeURIComponent(repo.slice(slash + 1))}`;
}

export function createIssueRequest(repo: string, issue: RenderedIssue): LedgerRequest {
  return {
    method: 'POST',
    path: `${repoPath(repo)}/issues`,
    body: { title: issue.title, body: issue.body, labels: [...issue.labels] },
  };
}

export function commentIssueRequest(
  repo: string,
  issueNumber: number | typeof DRY_RUN_ISSUE_PLACEHOLDER,
  body: string,
): LedgerRequest {
  return { method: 'POST', path: `${repoPath(repo)}/issues/${issueNumber}/comments`, body: { body } };
}

/** Which action a request is (for the ledger record and metrics). */
export function actionOf(request: LedgerRequest): GitHubAction {
  return request.path.endsWith('/comments') ? 'comment-issue' : 'create-issue';
}
