import { describe, expect, it } from 'vitest';
import { classifyGitHubError } from './classify-error.js';

const TOKEN = 'ghp_secretSecretSecret1234567890';
const ctx = {
  what: 'POST /repos/a/b/issues',
  now: 1_000_000,
  redact: (t: string) => t.split(TOKEN).join('[REDACTED]'),
};
const answer = (status: number, data: unknown, headers: Record<string, string> = {}) => ({
  status,
  message: 'x',
  response: { status, headers, data },
});

describe('classifyGitHubError', () => {
  it('makes 404, 410 and 422 permanent', () => {
    for (const status of [404, 410, 422]) {
      const r = classifyGitHubError(answer(status, { message: 'Nope' }), ctx);
      expect(r).toMatchObject({ ok: false, transient: false, status, mayHaveSucceeded: false });
      expect(r.cause).toContain(`${status} Nope`);
    }
    const v = classifyGitHubError(
      answer(422, {
        message: 'Validation Failed',
        errors: [{ message: 'body is too long' }, { field: 'title', code: 'missing' }],
      }),
      ctx,
    );
    expect(v.cause).toContain('Validation Failed: body is too long; title missing');
  });

  it('makes secondary and primary rate limits transient with a retry-after', () => {
    const secondary = classifyGitHubError(
      answer(403, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '42' }),
      ctx,
    );
    expect(secondary).toMatchObject({ transient: true, retryAfterMs: 42_000, mayHaveSucceeded: false });
    const noHeader = classifyGitHubError(
      answer(403, { message: 'You have exceeded a secondary rate limit.' }),
      ctx,
    );
    expect(noHeader).toMatchObject({ transient: true, retryAfterMs: 60_000 });
    const primary = classifyGitHubError(
      answer(
        403,
        { message: 'API rate limit exceeded' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1100' },
      ),
      ctx,
    );
    expect(primary).toMatchObject({ transient: true, retryAfterMs: 101_000 });
  });

  it('keeps a bad or under-privileged token transient, with a cause that says what to fix', () => {
    const bad = classifyGitHubError(answer(401, { message: 'Bad credentials' }), ctx);
    expect(bad).toMatchObject({ transient: true, status: 401 });
    expect(bad.cause).toContain('fix GITHUB_TOKEN');
    const forbidden = classifyGitHubError(
      answer(403, { message: 'Resource not accessible by integration' }),
      ctx,
    );
    expect(forbidden).toMatchObject({ transient: true, status: 403 });
    expect(forbidden.cause).toContain('lacks permission');
  });

  it('makes 5xx and no answer transient and possibly landed', () => {
    expect(classifyGitHubError(answer(502, '<html>bad gateway</html>'), ctx)).toMatchObject({
      transient: true,
      mayHaveSucceeded: true,
    });
    expect(
      classifyGitHubError(Object.assign(new Error('connect ECONNREFUSED'), { status: 500 }), ctx),
    ).toMatchObject({
      transient: true,
      mayHaveSucceeded: true,
    });
    expect(classifyGitHubError('weird', ctx)).toMatchObject({ transient: true });
  });

  it('never lets the token into a cause', () => {
    const r = classifyGitHubError(answer(500, { message: `boom token ${TOKEN}` }), ctx);
    expect(r.cause).not.toContain(TOKEN);
    expect(r.cause).toContain('[REDACTED]');
  });
});
