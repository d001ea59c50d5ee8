import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultSwitch, type GitHubFault } from './github-stand-in-faults.js';
import {
  commentObject,
  errorBodies,
  issueObject,
  type StoredComment,
  type StoredIssue,
} from './github-stand-in-objects.js';
import { describeErrors, loadOperations, type Operation } from './github-stand-in-openapi.js';

/**
 * A stand-in for GitHub's REST API on 127.0.0.1: every request is checked against GitHub's
 * OpenAPI description (fixture extracted from @octokit/openapi); answers carry GitHub's shapes,
 * rate-limit headers and pagination links; faults can be switched on.
 */

export type { GitHubFault } from './github-stand-in-faults.js';

export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: Record<string, string>;
  /** Parsed JSON body (the raw text when it did not parse; undefined without one). */
  readonly body: unknown;
  readonly operationId: string | undefined;
  /** When it arrived (the stand-in's `now`, ms). */
  readonly at: number;
  status: number;
}

export interface OpenApiViolation {
  readonly method: string;
  readonly path: string;
  readonly operationId: string | undefined;
  readonly where: 'route' | 'path' | 'query' | 'body' | 'limit' | 'response';
  readonly errors: string[];
}

export interface GitHubStandInOptions {
  /** The only accepted token. */
  readonly token?: string;
  /** Repositories that exist (`owner/name`); others answer 404. */
  readonly repos?: readonly string[];
  /** Primary rate limit per hour (x-ratelimit-limit). */
  readonly rateLimit?: number;
  /** Time for created_at/updated_at (a test clock); Date.now by default. */
  readonly now?: () => number;
}

export interface GitHubStandIn {
  /** Base URL to use as GITHUB_API_URL. */
  readonly url: string;
  readonly token: string;
  readonly requests: RecordedRequest[];
  readonly violations: OpenApiViolation[];
  addRepo(repo: string): void;
  /** The repo's issues as GitHub returns them (issue objects), oldest first. */
  issues(repo: string): Array<Record<string, unknown>>;
  comments(repo: string, issueNumber: number): Array<Record<string, unknown>>;
  closeIssue(repo: string, issueNumber: number): void;
  /** Puts an issue in place without a request (fast set-up of large repos); returns its number. */
  seedIssue(repo: string, issue: { title: string; body?: string; labels?: string[] }): number;
  setFault(fault: GitHubFault): void;
  close(): Promise<void>;
}

const TITLE_MAX = 256;
const BODY_MAX = 65_536;
const LABEL_MAX = 50;

interface Repo {
  issues: StoredIssue[];
}

function tooLong(resource: string, field: string, value: unknown, max: number): Record<string, unknown>[] {
  return typeof value === 'string' && value.length > max
    ? [{ resource, code: 'custom', field, message: `${field} is too long (maximum is ${max} characters)` }]
    : [];
}

export async function startGitHubStandIn(opts: GitHubStandInOptions = {}): Promise<GitHubStandIn> {
  const token = opts.token ?? 'ghp_fake_standInToken0123456789abcdefghijklmnop';
  const now = opts.now ?? Date.now;
  const rateLimit = opts.rateLimit ?? 5000;
  const operations = loadOperations();
  const repos = new Map<string, Repo>();
  const requests: RecordedRequest[] = [];
  const violations: OpenApiViolation[] = [];
  const held = new Set<ServerResponse>();
  const faults = new FaultSwitch();
  let used = 0;
  let nextId = 1000;
  const resetAt = Math.floor(now() / 1000) + 3600;
  let base = '';

  const addRepo = (repo: string) => {
    if (!repos.has(repo.toLowerCase())) repos.set(repo.toLowerCase(), { issues: [] });
  };
  for (const repo of opts.repos ?? ['acme/widgets']) addRepo(repo);
  const repoOf = (repo: string) => repos.get(repo.toLowerCase());
  const iso = () => new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z');

  function send(
    res: ServerResponse,
    record: RecordedRequest,
    op: Operation | undefined,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    record.status = status;
    const validate = op?.responses.get(String(status));
    if (op && validate && typeof body === 'object' && !validate(body)) {
      violations.push({
        method: record.method,
        path: record.path,
        operationId: op.operationId,
        where: 'response',
        errors: describeErrors(`response ${status}`, validate),
      });
    }
    used += 1;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type':
        typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
      'x-github-api-version-selected': '2022-11-28',
      'x-github-request-id': `0000:${requests.length}`,
      'x-ratelimit-limit': String(rateLimit),
      'x-ratelimit-remaining': String(Math.max(0, rateLimit - used)),
      'x-ratelimit-used': String(Math.min(used, rateLimit)),
      'x-ratelimit-reset': String(resetAt),
      'x-ratelimit-resource': 'core',
      ...headers,
    });
    res.end(text);
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: string) {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = (req.method ?? 'GET').toUpperCase();
    const query = Object.fromEntries(url.searchParams);
    let body: unknown;
    let parsed = true;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
        parsed = false;
      }
    }
    const route = operations
      .filter((o) => o.method === method)
      .map((o) => ({ op: o, m: o.pattern.exec(url.pathname) }))
      .find((r) => r.m);
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query,
      body,
      operationId: route?.op.operationId,
      at: now(),
      status: 0,
    };
    requests.push(record);
    const violation = (where: OpenApiViolation['where'], errors: string[]) =>
      violations.push({ method, path: url.pathname, operationId: route?.op.operationId, where, errors });

    const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!auth) return send(res, record, undefined, 401, errorBodies.requiresAuth());
    if (auth[1] !== token) return send(res, record, undefined, 401, errorBodies.badCredentials());
    if (used >= rateLimit) return send(res, record, undefined, 403, errorBodies.primaryLimit());
    if (!route) {
      violation('route', [`no operation ${method} ${url.pathname} in the OpenAPI extract`]);
      return send(res, record, undefined, 404, errorBodies.notFound());
    }
    const { op, m } = route;
    const pathParams = Object.fromEntries(
      op.pathNames.map((name, i) => [name, decodeURIComponent(m![i + 1]!)]),
    );
    const errors: string[] = [];
    if (!op.params.path(pathParams)) errors.push(...describeErrors('path', op.params.path));
    if (!op.params.query({ ...query })) errors.push(...describeErrors('query', op.params.query));
    const unknown = Object.keys(query).filter((k) => !op.params.queryNames.has(k));
    // GitHub ignores unknown query parameters, but a relay sending one has a bug: flag, don't refuse.
    if (unknown.length > 0)
      violation(
        'query',
        unknown.map((k) => `query has unknown parameter '${k}'`),
      );
    if (!parsed) {
      violation('body', ['body is not JSON']);
      return send(res, record, op, 400, errorBodies.problemsParsingJson());
    }
    if (op.body) {
      if (body === undefined && op.bodyRequired) errors.push('body is required');
      else if (body !== undefined && !op.body(body)) errors.push(...describeErrors('body', op.body));
    }
    if (errors.length > 0) {
      violation(
        errors.some((e) => e.startsWith('body')) ? 'body' : errors[0]!.startsWith('path') ? 'path' : 'query',
        errors,
      );
      return send(res, record, op, 422, errorBodies.invalidRequest(errors));
    }
    // Limits the API enforces beyond the description (limits-and-pains.md).
    const b = (body ?? {}) as { title?: unknown; body?: unknown; labels?: unknown };
    const resource = op.operationId === 'issues/create' ? 'Issue' : 'IssueComment';
    const limitErrors = [
      ...tooLong(resource, 'title', b.title, TITLE_MAX),
      ...tooLong(resource, 'body', b.body, BODY_MAX),
      ...(Array.isArray(b.labels) ? b.labels.flatMap((l) => tooLong('Label', 'name', l, LABEL_MAX)) : []),
    ];
    if (method !== 'GET' && limitErrors.length > 0) {
      violation(
        'limit',
        limitErrors.map((e) => String(e.message)),
      );
      return send(res, record, op, 422, errorBodies.validationFailed(limitErrors));
    }

    const answer = faults.answer(method, op.operationId);
    const fullName = `${pathParams.owner}/${pathParams.repo}`;
    const repo = repoOf(fullName);
    if (answer === 'hold') {
      if (repo) createIssue(repo, b);
      held.add(res); // never answered: the client's timeout has to notice
      return;
    }
    if (answer) return send(res, record, op, answer.status, answer.body, answer.headers);
    if (!repo) return send(res, record, op, 404, errorBodies.notFound('/issues/issues'));
    const issueNumber = Number(pathParams.issue_number);
    const issue = repo.issues.find((i) => i.number === issueNumber);
    switch (op.operationId) {
      case 'issues/create': {
        const created = createIssue(repo, b);
        return send(res, record, op, 201, issueObject(base, base, fullName, created), {
          location: `${base}/repos/${fullName}/issues/${created.number}`,
        });
      }
      case 'issues/get':
        if (!issue) return send(res, record, op, 404, errorBodies.notFound('/issues/issues#get-an-issue'));
        return send(res, record, op, 200, issueObject(base, base, fullName, issue));
      case 'issues/create-comment': {
        if (!issue) return send(res, record, op, 404, errorBodies.notFound('/issues/comments'));
        const comment: StoredComment = { id: nextId++, body: String(b.body), createdAt: iso() };
        issue.comments.push(comment);
        issue.updatedAt = comment.createdAt;
        return send(res, record, op, 201, commentObject(base, base, fullName, issue.number, comment));
      }
      case 'issues/list-for-repo':
        return list(res, record, op, fullName, repo, query);
      default:
        violation('route', [`stand-in has no handler for ${op.operationId}`]);
        return send(res, record, op, 404, errorBodies.notFound());
    }
  }

  function createIssue(repo: Repo, b: { title?: unknown; body?: unknown; labels?: unknown }): StoredIssue {
    const at = iso();
    const labels = Array.isArray(b.labels)
      ? b.labels.map((l) => (typeof l === 'string' ? l : String((l as { name?: unknown }).name)))
      : [];
    const issue: StoredIssue = {
      id: nextId++,
      number: repo.issues.length + 1,
      title: String(b.title),
      body: typeof b.body === 'string' ? b.body : null,
      labels: [...new Map(labels.map((l) => [l.toLowerCase(), l])).values()],
      state: 'open',
      createdAt: at,
      updatedAt: at,
      closedAt: null,
      comments: [],
    };
    repo.issues.push(issue);
    return issue;
  }

  function list(
    res: ServerResponse,
    record: RecordedRequest,
    op: Operation,
    fullName: string,
    repo: Repo,
    query: Record<string, string>,
  ): void {
    const state = query.state ?? 'open';
    const wanted = (query.labels ?? '')
      .split(',')
      .map((l) => l.trim().toLowerCase())
      .filter(Boolean);
    const since = query.since ? Date.parse(query.since) : undefined;
    const sortKey = query.sort === 'updated' ? 'updatedAt' : 'createdAt';
    const dir = query.direction === 'asc' ? 1 : -1;
    const matching = repo.issues
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)))
      .filter((i) => since === undefined || Date.parse(i.updatedAt) >= since)
      .sort((a, b) =>
        a[sortKey] < b[sortKey] ? -dir : a[sortKey] > b[sortKey] ? dir : (a.number - b.number) * dir,
      );
    const perPage = Math.min(100, Math.max(1, Number(query.per_page ?? 30)));
    const page = Math.max(1, Number(query.page ?? 1));
    const last = Math.max(1, Math.ceil(matching.length / perPage));
    const items = matching.slice((page - 1) * perPage, page * perPage);
    const link = (p: number) => {
      const u = new URL(`${base}/repos/${fullName}/issues`);
      for (const [k, v] of Object.entries(query)) if (k !== 'page') u.searchParams.set(k, v);
      u.searchParams.set('page', String(p));
      return `<${u.href}>`;
    };
    const links: string[] = [];
    if (page > 1) links.push(`${link(page - 1)}; rel="prev"`);
    if (page < last) links.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
    if (page > 1) links.push(`${link(1)}; rel="first"`);
    send(
      res,
      record,
      op,
      200,
      items.map((i) => issueObject(base, base, fullName, i)),
      links.length > 0 ? { link: links.join(', ') } : {},
    );
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    token,
    requests,
    violations,
    addRepo,
    issues: (repo) => (repoOf(repo)?.issues ?? []).map((i) => issueObject(base, base, repo, i)),
    comments: (repo, n) => {
      const issue = repoOf(repo)?.issues.find((i) => i.number === n);
      return (issue?.comments ?? []).map((c) => commentObject(base, base, repo, n, c));
    },
    closeIssue: (repo, n) => {
      const issue = repoOf(repo)?.issues.find((i) => i.number === n);
      if (!issue) throw new Error(`no issue ${repo}#${n}`);
      issue.state = 'closed';
      issue.closedAt = iso();
      issue.updatedAt = issue.closedAt;
    },
    seedIssue: (repo, issue) => {
      const target = repoOf(repo);
      if (!target) throw new Error(`no repo ${repo}`);
      return createIssue(target, issue).number;
    },
    setFault: (next) => faults.set(next),
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
