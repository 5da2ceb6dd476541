// What one check on a managed MySQL or Redis instance found: the worst status, the problems for
// its detail and the fixes for its hint. The cloud probes (aws.ts, gcp.ts) fill one per instance.
import type { Check } from '../checks/types.js';

/** A setting Bucketeer v2.3.0 cannot use, with the change that fixes it (it fails, unless `status` says warn). */
export interface Unusable {
  problem: string;
  fix: string;
  status?: 'fail' | 'warn';
}

const RANK: Record<Check['status'], number> = { pass: 0, skip: 0, warn: 1, fail: 2 };

export class Findings {
  status: Check['status'] = 'pass';
  readonly problems: string[] = [];
  readonly hints: string[] = [];

  /** A problem that raises the status to `status` (never lowers it), with its fix when there is one. */
  add(status: 'warn' | 'fail', problem: string, fix?: string): void {
    if (RANK[status] > RANK[this.status]) this.status = status;
    this.problems.push(problem);
    if (fix) this.hints.push(fix);
  }

  /**
   * Settings Bucketeer cannot use count only on the instance the answers point at (`answersKey`:
   * database.host or redis.addr); on any other they are mentioned and nothing more.
   */
  unusable(found: Unusable[], target: boolean, answersKey: string): void {
    for (const u of found) {
      if (target) this.add(u.status ?? 'fail', u.problem, u.fix);
      else this.problems.push(`${u.problem} (not ${answersKey}, so not checked further)`);
    }
  }

  /** The instance's check: the worst status, `detail` followed by the problems, the fixes as its hint. */
  check(c: Omit<Check, 'status' | 'hint'> & { detail: string }): Check {
    const { category, id, title, detail, ...rest } = c;
    return {
      category,
      id,
      title,
      status: this.status,
      detail: `${detail}${this.problems.length ? `; ${this.problems.join('; ')}` : ''}`,
      hint: this.hints.join('; ') || undefined,
      ...rest,
    };
  }
}
