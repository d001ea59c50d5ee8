import { SEVERITIES, type Severity } from '../config/types.js';

/** info < low < medium < high < critical. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function meetsFloor(severity: Severity, floor: Severity): boolean {
  return severityRank(severity) >= severityRank(floor);
}
