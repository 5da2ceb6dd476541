// Reading an answers file: every failure is a UsageError (exit 2) that names the file, the key
// path and the line, and all schema problems are reported at once.
import { resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { AnswersError, UsageError } from '../errors.js';
import { readRegularFile } from '../util/files.js';
import { closest } from '../util/suggest.js';
import { AnswersSchema, answersJsonSchema, type Answers } from './schema.js';

/** Answers files are a page or two of YAML; anything near this size is a mistake. */
export const MAX_ANSWERS_BYTES = 1024 * 1024;

/** Aliases an answers file may expand; it needs none, and a bomb needs thousands. */
const MAX_ALIASES = 100;

export interface LoadedAnswers {
  answers: Answers;
  /** Absolute path of the file, so {file: ...} references resolve relative to it. */
  path: string;
}

export function readAnswersText(file: string, flag = '--answers'): { text: string; path: string } {
  const path = resolve(file);
  const read = readRegularFile(path, MAX_ANSWERS_BYTES);
  if (!read.ok) {
    switch (read.kind) {
      case 'missing':
        throw new UsageError(`${flag} ${file}: no such file`, 'check the path; examples are in examples/answers/');
      case 'not-regular':
        throw new UsageError(`${flag} ${file} is ${read.what}, not an answers file`, 'give the path of a YAML file, e.g. examples/answers/in-cluster.yaml');
      case 'too-large':
        throw new UsageError(`${flag} ${file} is ${read.bytes >= 1048576 ? (read.bytes / 1048576).toFixed(1) + ' MB' : 'over 1 MB'}; an answers file is at most 1 MB`, 'give the answers YAML file, not another file');
      case 'unreadable':
        throw new UsageError(`${flag} ${file}: cannot read it (${read.code})`, 'check the path and its permissions');
    }
  }
  const buf = read.data;
  if (buf.includes(0)) throw new UsageError(`${flag} ${file} is a binary file, not YAML`, 'give the answers YAML file');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  if (text.includes('\uFFFD')) throw new UsageError(`${flag} ${file} is not UTF-8 text`, 'save the answers file as UTF-8');
  if (text.trim() === '' || /^(\s*#.*\n?)*\s*$/.test(text)) {
    throw new UsageError(`${flag} ${file} is empty`, 'start from one of examples/answers/*.yaml');
  }
  return { text, path };
}

export function loadAnswersFile(file: string, flag = '--answers'): LoadedAnswers {
  const { text, path } = readAnswersText(file, flag);
  return { answers: parseAnswers(text, file), path };
}

/** Parses and validates answers YAML; `label` names the file in messages. */
export function parseAnswers(text: string, label: string): Answers {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
      return `${where}YAML syntax: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`;
    });
    throw new AnswersError(problems, label);
  }
  let data: unknown;
  try {
    // maxAliasCount stops an alias bomb (aliases of aliases expanding to gigabytes) in toJS.
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    throw new AnswersError([`the file uses YAML aliases (*name) more than ${MAX_ALIASES} times; an answers file needs none`], label);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new AnswersError(['the file must be a YAML mapping (key: value lines) at the top level'], label);
  }
  const result = AnswersSchema.safeParse(data);
  if (result.success) return result.data;
  throw new AnswersError(describeIssues(result.error.issues, doc, lineCounter), label);
}

function describeIssues(issues: readonly z.core.$ZodIssue[], doc: Document, lc: LineCounter): string[] {
  const out: { line: number; text: string }[] = [];
  const push = (where: string, text: string) => out.push({ line: Number(where.match(/\d+/)?.[0] ?? 0), text: where + text });
  for (const issue of issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const full = [...path, key];
        const known = keysAt(path);
        const guess = closest(key, known);
        push(lineOf(doc, lc, full), `${full.join('.')}: unknown key${guess ? `; did you mean "${guess}"?` : known.length ? ` (allowed: ${known.join(', ')})` : ''}`);
      }
      continue;
    }
    const key = path.length ? path.join('.') : '(top level)';
    let message = issue.message;
    const missing = path.length > 0 && !doc.hasIn(path);
    if (missing && issue.code !== 'custom') message = 'is required';
    else if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = 'is required';
    else if (issue.code === 'invalid_value' && 'values' in issue) message = `must be one of: ${(issue.values as unknown[]).map(String).join(', ')}`;
    else if (issue.code === 'invalid_type') message = message.replace(/^Invalid input: /, '');
    // A missing key has no line of its own; point at its parent unless that is the whole file.
    const where = missing ? (path.length > 1 ? lineOf(doc, lc, path.slice(0, -1)) : '') : lineOf(doc, lc, path);
    push(where, `${key}: ${message.replace(new RegExp(`^${escapeRe(key)}:? `), '')}`);
  }
  return out.sort((a, b) => a.line - b.line).map((o) => o.text);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** "line N: " for the deepest node of the path present in the document. */
function lineOf(doc: Document, lc: LineCounter, path: string[]): string {
  for (let n = path.length; n >= 0; n--) {
    const p = path.slice(0, n);
    const node = (p.length ? doc.getIn(p, true) : doc.contents) as Node | undefined;
    let range = node && typeof node === 'object' && 'range' in node ? node.range : undefined;
    // For a map key, point at the key itself rather than its value.
    if (n > 0) {
      const parent = (n > 1 ? doc.getIn(p.slice(0, -1), true) : doc.contents) as Node | undefined;
      if (isMap(parent)) {
        const pair = parent.items.find((it) => String((it.key as { value?: unknown })?.value ?? it.key) === p[n - 1]);
        const keyNode = pair?.key as Node | undefined;
        if (keyNode && 'range' in keyNode && keyNode.range) range = keyNode.range;
      } else if (isSeq(parent) && !range) {
        range = parent.range ?? undefined;
      }
    }
    if (range) return `line ${lc.linePos(range[0]).line}: `;
  }
  return '';
}

type JsonSchemaNode = { properties?: Record<string, JsonSchemaNode>; anyOf?: JsonSchemaNode[]; oneOf?: JsonSchemaNode[]; allOf?: JsonSchemaNode[] };
let cachedJsonSchema: JsonSchemaNode | undefined;

/** The keys the schema allows at a path, for "did you mean". */
export function keysAt(path: readonly string[]): string[] {
  cachedJsonSchema ??= answersJsonSchema() as JsonSchemaNode;
  let nodes: JsonSchemaNode[] = [cachedJsonSchema];
  for (const seg of path) {
    nodes = nodes.flatMap(expand).map((n) => n.properties?.[seg]).filter((n): n is JsonSchemaNode => Boolean(n));
  }
  return [...new Set(nodes.flatMap(expand).flatMap((n) => Object.keys(n.properties ?? {})))].filter((k) => k !== '$schema');
}

function expand(n: JsonSchemaNode): JsonSchemaNode[] {
  const alts = [...(n.anyOf ?? []), ...(n.oneOf ?? []), ...(n.allOf ?? [])];
  return alts.length ? [n, ...alts.flatMap(expand)] : [n];
}
