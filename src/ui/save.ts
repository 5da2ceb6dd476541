// Writing the answers file the wizard produced: validated with the same schema as --answers,
// secret references only; typed secrets go to 0600 files next to it when the user chose that.
import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Document, isMap, visit } from 'yaml';
import { answersJsonSchema } from '../answers/schema.js';
import { SECRETS, type SecretId, type Values } from './flow.js';
import { stripUndefined, validateAnswers } from './validate.js';

export const SCHEMA_FILE = 'answers.schema.json';

export function answersYaml(draft: Record<string, unknown>, replay: string): string {
  const doc = new Document(stripUndefined(draft));
  // Secret references and short pairs read best inline, as in examples/answers/.
  visit(doc, {
    Map(_key, node) {
      const keys = node.items.map((i) => String((i.key as { value?: unknown }).value));
      if (keys.length === 1 && ['env', 'file', 'secret'].includes(keys[0])) node.flow = true;
      if (keys.length === 2 && keys.includes('web') && keys.includes('api')) node.flow = true;
    },
  });
  if (isMap(doc.contents)) doc.contents.flow = false;
  return `# yaml-language-server: $schema=./${SCHEMA_FILE}\n# Written by the bucketeer-install wizard. Replay: ${replay}\n${doc.toString({ lineWidth: 0 }).trimEnd()}\n`;
}

export interface SaveResult {
  answersPath: string;
  /** Every file written, the answers file first. */
  written: string[];
}

/**
 * Validates, then writes the answers file, its JSON Schema beside it, and each secret the user
 * typed for a {file: ...} reference (mode 0600 from the first byte, in a 0700 folder).
 */
export function saveAnswers(path: string, draft: Record<string, unknown>, values: Values, secretValues: Record<string, string>, replay: string): SaveResult {
  const { problems } = validateAnswers(draft);
  if (problems.length) throw new Error(`the answers do not validate: ${problems.join('; ')}`);
  const answersPath = resolve(path);
  const dir = dirname(answersPath);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  writeFileSync(answersPath, answersYaml(draft, replay), { mode: 0o644 });
  written.push(answersPath);
  const schemaPath = join(dir, SCHEMA_FILE);
  writeFileSync(schemaPath, `${JSON.stringify(answersJsonSchema(), null, 2)}\n`);
  written.push(schemaPath);
  for (const id of Object.keys(SECRETS) as SecretId[]) {
    const value = secretValues[`secret.${id}.value`];
    if (values[`secret.${id}.how`] !== 'file' || !value || !fileRefUsed(draft, SECRETS[id].file)) continue;
    const file = join(dir, SECRETS[id].file);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // A pre-existing file keeps its mode on write: remove it so the secret is never briefly 0644.
    rmSync(file, { force: true });
    writeFileSync(file, `${value}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    written.push(file);
  }
  return { answersPath, written };
}

function fileRefUsed(draft: unknown, file: string): boolean {
  return JSON.stringify(draft).includes(JSON.stringify({ file }));
}

/** Why a path cannot take the answers file, or undefined when it can. */
export function savePathProblem(path: string): string | undefined {
  if (!path) return 'give a file name, e.g. bucketeer-answers.yaml';
  if (!/\.ya?ml$/.test(path)) return 'the answers file should end in .yaml';
  try {
    if (statSync(path).isDirectory()) return `${path} is a folder; give a file name`;
  } catch {
    // does not exist yet: fine
  }
  return undefined;
}

export function fileExists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
