import type { Check, CheckReport } from './types.js';

const SYMBOL: Record<Check['status'], string> = { pass: '√', warn: '‼', fail: '×', skip: '-' };
const COLOR: Record<Check['status'], string> = { pass: '\x1b[32m', warn: '\x1b[33m', fail: '\x1b[31m', skip: '\x1b[90m' };

export function useColor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean {
  return Boolean((stream as NodeJS.WriteStream).isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

/** Grouped text view, like `linkerd check`: a heading per category, a line per check. */
export function renderText(report: CheckReport, opts: { color?: boolean } = {}): string {
  const paint = (c: Check['status'], s: string) => (opts.color ? `${COLOR[c]}${s}\x1b[0m` : s);
  const lines: string[] = [];
  const categories = [...new Set(report.checks.map((c) => c.category))];
  for (const cat of categories) {
    lines.push(cat, '-'.repeat(cat.length));
    for (const c of report.checks.filter((x) => x.category === cat)) {
      lines.push(`${paint(c.status, SYMBOL[c.status])} ${c.title}${c.detail ? `: ${c.detail}` : ''}`);
      if (c.hint && c.status !== 'pass') lines.push(`    ${c.hint}`);
      if (c.docUrl && c.status !== 'pass') lines.push(`    see ${c.docUrl}`);
    }
    lines.push('');
  }
  const counts = (['pass', 'warn', 'fail', 'skip'] as const).map((s) => `${report.checks.filter((c) => c.status === s).length} ${s}`).join(', ');
  lines.push(`Status: ${paint(report.status, report.status)} (${counts})`);
  return `${lines.join('\n')}\n`;
}

export function renderJson(report: CheckReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
