// Checks are data (linkerd's healthcheck style): one list, rendered as a grouped text table or
// as JSON by the same code, for doctor, doctor --pre and the post-install health checks.

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface Check {
  /** Group in the text view, e.g. "kubernetes", "aws", "release". */
  category: string;
  /** Stable id for scripts, e.g. "aws.rds.quota". */
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found, one line. */
  detail?: string;
  /** What to do about a warn or fail, one line (a command when there is one). */
  hint?: string;
  docUrl?: string;
  /** Machine-readable facts behind the check (ids, endpoints, counts) for --output json. */
  facts?: Record<string, unknown>;
}

export interface CheckReport {
  status: 'pass' | 'warn' | 'fail';
  checks: Check[];
}

export function summarize(checks: Check[]): CheckReport {
  const status = checks.some((c) => c.status === 'fail') ? 'fail' : checks.some((c) => c.status === 'warn') ? 'warn' : 'pass';
  return { status, checks };
}

/** 0 on pass or warn, 1 on fail; with strict, warn fails too. */
export function exitCodeFor(report: CheckReport, strict = false): number {
  if (report.status === 'fail') return 1;
  if (strict && report.status === 'warn') return 1;
  return 0;
}
