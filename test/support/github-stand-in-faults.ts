import { errorBodies } from './github-stand-in-objects.js';

export type GitHubFault =
  | { kind: 'none' }
  /** 403 + retry-after, as GitHub answers; for `forMs` (real time), else for the next request only. */
  | { kind: 'secondary-limit'; retryAfterS: number; forMs?: number }
  /** This status on the first matching request and every Nth after it (every one without everyNth). */
  | {
      kind: 'status';
      status: 404 | 410 | 422 | 500 | 502;
      everyNth?: number;
      method?: 'GET' | 'POST' | 'PATCH';
    }
  /** The next issue creation happens, but its answer never comes. */
  | { kind: 'timeout-after-create' };

export interface FaultAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

/** The switchable fault of the stand-in: decides, per request, whether a fault answers instead. */
export class FaultSwitch {
  private fault: GitHubFault = { kind: 'none' };
  private setAt = 0;
  private count = 0;

  set(fault: GitHubFault): void {
    this.fault = fault;
    this.setAt = Date.now();
    this.count = 0;
  }

  /** A fault answer, 'hold' (do the work, never answer), or undefined (answer normally). */
  answer(method: string, operationId: string): FaultAnswer | 'hold' | undefined {
    const fault = this.fault;
    if (fault.kind === 'secondary-limit') {
      const active = fault.forMs === undefined ? this.count === 0 : Date.now() - this.setAt < fault.forMs;
      this.count += 1;
      if (!active) return undefined;
      return {
        status: 403,
        body: errorBodies.secondaryLimit(),
        headers: { 'retry-after': String(fault.retryAfterS) },
      };
    }
    if (fault.kind === 'status') {
      if (fault.method && fault.method !== method) return undefined;
      const n = this.count++;
      if (fault.everyNth !== undefined && n % fault.everyNth !== 0) return undefined;
      const bodies = {
        404: errorBodies.notFound(),
        410: errorBodies.gone(),
        422: errorBodies.validationFailed([
          { resource: 'Issue', code: 'custom', field: 'title', message: 'injected fault' },
        ]),
        500: errorBodies.serverError(),
        502: '<html><body><h1>502 Bad Gateway</h1></body></html>',
      };
      return { status: fault.status, body: bodies[fault.status] };
    }
    if (fault.kind === 'timeout-after-create' && operationId === 'issues/create') {
      this.fault = { kind: 'none' };
      return 'hold';
    }
    return undefined;
  }
}
