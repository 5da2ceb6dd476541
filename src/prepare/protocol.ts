// The line protocol between a fact-gathering run and the checks. A run prints one fact a line:
// `BKTPREP<TAB>kind<TAB>field...`, values escaped the way `mysql --batch` escapes them (\\ \t \n
// \0), and a last line `BKTPREP<TAB>done<TAB>exit-code`. The in-cluster Job prints it from a
// client image; the direct path builds the same lines from driver results, so both paths share
// one parser and one evaluation.
export const MARK = 'BKTPREP';

export function escapeField(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  const s = v instanceof Date ? v.toISOString() : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\0/g, '\\0');
}

export function unescapeField(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === '0' ? '\0' : c));
}

export function factLine(kind: string, ...fields: unknown[]): string {
  return [MARK, kind, ...fields.map(escapeField)].join('\t');
}

export interface FactLog {
  /** Facts in order: [kind, ...fields], unescaped. */
  facts: string[][];
  /** The exit code from the `done` line; undefined when the run never finished. */
  exitCode?: number;
  /** Lines that are not facts (client errors, shell noise), for messages. */
  other: string[];
}

export function parseFactLog(text: string): FactLog {
  const facts: string[][] = [];
  const other: string[] = [];
  let exitCode: number | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line.trim()) continue;
    // Kubernetes may prefix log lines with a timestamp; the marker can follow it.
    const at = line.indexOf(`${MARK}\t`);
    if (at < 0) {
      other.push(line);
      continue;
    }
    const [, kind, ...fields] = line.slice(at).split('\t');
    if (kind === 'done') exitCode = Number(fields[0] ?? 1);
    else facts.push([kind, ...fields.map(unescapeField)]);
  }
  return { facts, exitCode, other };
}

/** The values of facts of one kind: `var name value` -> Map name -> value. */
export function varsOf(log: FactLog, kind = 'var'): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, name, value] of log.facts) if (k === kind && name !== undefined) out.set(name, value ?? '');
  return out;
}

export const truthy = (v: string | undefined) => v !== undefined && /^(1|on|yes|true)$/i.test(v.trim());
