/** What /readyz weighs; each part is read fresh per request. */
export interface ReadinessInputs {
  /** Relay lifecycle: only `running` can be ready. */
  readonly state: 'running' | 'draining' | 'stopped';
  /** Set once the subscription failed in a way the client could not recover from. */
  readonly subscriptionError: string | undefined;
  /** Invalid variables (the worker normally refuses to start with any). */
  readonly configIssues: readonly string[];
  /** From StoreHealth: null unless the state store is known to be unavailable. */
  readonly storeUnavailable: string | null;
  /** Backpressure: null while the outbox has room. */
  readonly outboxFull?: string | null;
}

/** null when ready; otherwise every reason it is not, in one line (the body of a 503 /readyz). */
export function notReadyReason(inputs: ReadinessInputs): string | null {
  const reasons: string[] = [];
  if (inputs.state !== 'running') reasons.push(`${inputs.state}: not taking new messages`);
  if (inputs.subscriptionError !== undefined)
    reasons.push(`subscription failed: ${inputs.subscriptionError}`);
  if (inputs.configIssues.length > 0)
    reasons.push(`configuration invalid: ${inputs.configIssues.join('; ')}`);
  if (inputs.storeUnavailable !== null) reasons.push(inputs.storeUnavailable);
  if (inputs.outboxFull) reasons.push(inputs.outboxFull);
  return reasons.length === 0 ? null : reasons.join('; ');
}
