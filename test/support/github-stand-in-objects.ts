/** GitHub's response objects (issue, comment, user, label, errors), as the REST API shapes them. */

export const DOCS = 'https://docs.github.com/rest';

export interface StoredComment {
  id: number;
  body: string;
  createdAt: string;
}

export interface StoredIssue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  labels: string[];
  state: 'open' | 'closed';
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  comments: StoredComment[];
}

const LOGIN = 'finding-relay[bot]';

export function userObject(api: string, html: string): Record<string, unknown> {
  const url = `${api}/users/${encodeURIComponent(LOGIN)}`;
  return {
    login: LOGIN,
    id: 41898282,
    node_id: 'MDM6Qm90NDE4OTgyODI=',
    avatar_url: `${html}/avatars/u/41898282?v=4`,
    gravatar_id: '',
    url,
    html_url: `${html}/apps/finding-relay`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: 'Bot',
    user_view_type: 'public',
    site_admin: false,
  };
}

function reactions(url: string): Record<string, unknown> {
  return {
    url: `${url}/reactions`,
    total_count: 0,
    '+1': 0,
    '-1': 0,
    laugh: 0,
    hooray: 0,
    confused: 0,
    heart: 0,
    rocket: 0,
    eyes: 0,
  };
}

/** A stable small id per label name (GitHub's ids are global; tests only need them consistent). */
function labelId(name: string): number {
  let h = 7;
  for (const c of name.toLowerCase()) h = (h * 31 + c.charCodeAt(0)) % 2_000_000_000;
  return h;
}

export function issueObject(
  api: string,
  html: string,
  repo: string,
  issue: StoredIssue,
): Record<string, unknown> {
  const url = `${api}/repos/${repo}/issues/${issue.number}`;
  return {
    url,
    repository_url: `${api}/repos/${repo}`,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${html}/${repo}/issues/${issue.number}`,
    id: issue.id,
    node_id: `I_kwDO${issue.id}`,
    number: issue.number,
    title: issue.title,
    user: userObject(api, html),
    labels: issue.labels.map((name) => ({
      id: labelId(name),
      node_id: `LA_kwDO${labelId(name)}`,
      url: `${api}/repos/${repo}/labels/${encodeURIComponent(name)}`,
      name,
      color: 'ededed',
      default: false,
      description: null,
    })),
    state: issue.state,
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: issue.comments.length,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    author_association: 'NONE',
    type: null,
    active_lock_reason: null,
    sub_issues_summary: { total: 0, completed: 0, percent_completed: 0 },
    body: issue.body,
    closed_by: issue.state === 'closed' ? userObject(api, html) : null,
    reactions: reactions(url),
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
    state_reason: issue.state === 'closed' ? 'completed' : null,
  };
}

export function commentObject(
  api: string,
  html: string,
  repo: string,
  issueNumber: number,
  comment: StoredComment,
): Record<string, unknown> {
  const url = `${api}/repos/${repo}/issues/comments/${comment.id}`;
  return {
    url,
    html_url: `${html}/${repo}/issues/${issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${api}/repos/${repo}/issues/${issueNumber}`,
    id: comment.id,
    node_id: `IC_kwDO${comment.id}`,
    user: userObject(api, html),
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
    author_association: 'NONE',
    body: comment.body,
    reactions: reactions(url),
    performed_via_github_app: null,
  };
}

export const errorBodies = {
  notFound: (path = '') => ({ message: 'Not Found', documentation_url: `${DOCS}${path}`, status: '404' }),
  badCredentials: () => ({ message: 'Bad credentials', documentation_url: DOCS, status: '401' }),
  requiresAuth: () => ({ message: 'Requires authentication', documentation_url: DOCS, status: '401' }),
  gone: () => ({
    message: 'Issues are disabled for this repo',
    documentation_url: `${DOCS}/issues/issues#create-an-issue`,
    status: '410',
  }),
  problemsParsingJson: () => ({ message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' }),
  /** GitHub's answer when a request does not match the operation's schema. */
  invalidRequest: (details: string[]) => ({
    message: `Invalid request.\n\n${details.join('\n')}`,
    documentation_url: DOCS,
    status: '422',
  }),
  validationFailed: (errors: Array<Record<string, unknown>>) => ({
    message: 'Validation Failed',
    errors,
    documentation_url: DOCS,
    status: '422',
  }),
  secondaryLimit: () => ({
    message:
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
      'If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.',
    documentation_url:
      'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    status: '403',
  }),
  primaryLimit: () => ({
    message:
      'API rate limit exceeded for user ID 41898282. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000 and timestamp 2026-01-01 00:00:00 UTC. For more on scraping GitHub and how it may affect your rights, please review our Terms of Service (https://docs.github.com/en/site-policy/github-terms/github-terms-of-service)',
    documentation_url:
      'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit',
    status: '403',
  }),
  serverError: () => ({ message: 'Server Error' }),
};
