// One renderer for check reports: grouped text for a terminal, JSON for machines.
import { paintStatus, STATUS_MARK } from './marks.js';
import type { Check, CheckReport } from './types.js';

export function useColor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean {
  return Boolean((stream as NodeJS.WriteStream).isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

/** Grouped text view, like `linkerd check`: a heading per category, a line per check. */
export function renderText(report: CheckReport, opts: { color?: boolean } = {}): string {
  const lines: string[] = [];
  const categories = [...new Set(report.checks.map((c) => c.category))];
  for (const cat of categories) {
    lines.push(cat, '-'.repeat(cat.length));
    for (const c of report.checks.filter((x) => x.category === cat)) lines.push(...checkLines(c, opts));
    lines.push('');
  }
  const counts = (['pass', 'warn', 'fail', 'skip'] as const).map((s) => `${report.checks.filter((c) => c.status === s).length} ${s}`).join(', ');
  lines.push(`Status: ${paintStatus(report.status, report.status, opts.color)} (${counts})`);
  return `${lines.join('\n')}\n`;
}

/** One check: its mark, title and detail on a line; for a check that did not pass, its hint and doc link indented below. */
export function checkLines(c: Check, opts: { color?: boolean } = {}): string[] {
  const lines = [`${paintStatus(c.status, STATUS_MARK[c.status], opts.color)} ${c.title}${c.detail ? `: ${c.detail}` : ''}`];
  if (c.hint && c.status !== 'pass') lines.push(`    ${c.hint}`);
  if (c.docUrl && c.status !== 'pass') lines.push(`    see ${c.docUrl}`);
  return lines;
}

export function renderJson(report: CheckReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
