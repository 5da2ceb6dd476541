// Resolving secret references. Values are read only when a command really needs them (install,
// render --include-secrets); plain render never reads them, so it runs with nothing set.
import { dirname, resolve } from 'node:path';
import { EnvironmentError, UsageError } from '../errors.js';
import { formatBytes, readRegularFile } from '../util/files.js';
import type { Answers, SecretRef } from './schema.js';

/** A password or client secret is a line; a file far larger is the wrong file (or a device). */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

export interface SecretSources {
  env: NodeJS.ProcessEnv;
  /** Folder of the answers file: {file: ...} paths are relative to it. */
  baseDir: string;
  /** What baseDir is, for messages (default "the answers file's folder"). */
  baseDirIs?: string;
  /** Reads a key of an existing Secret in the release namespace; absent when there is no cluster. */
  readClusterSecret?: (name: string, key: string) => Promise<string | undefined>;
}

export function describeRef(ref: SecretRef): string {
  if ('env' in ref) return `env ${ref.env}`;
  if ('file' in ref) return `file ${ref.file}`;
  return `Secret ${ref.secret.name} key ${ref.secret.key}`;
}

export async function resolveSecretRef(ref: SecretRef, key: string, src: SecretSources): Promise<string> {
  if ('env' in ref) {
    const v = src.env[ref.env];
    if (v === undefined || v === '') {
      throw new UsageError(`${key}: environment variable ${ref.env} is not set`, `export ${ref.env}=... (or point ${key} at {file: PATH}) and run again`);
    }
    return v;
  }
  if ('file' in ref) {
    const path = resolve(src.baseDir, ref.file);
    const read = readRegularFile(path, MAX_SECRET_FILE_BYTES);
    if (!read.ok) {
      const fix = `point ${key} at a regular file holding only the secret`;
      switch (read.kind) {
        case 'not-regular':
          throw new UsageError(`${key}: ${ref.file} is ${read.what}, not a regular file`, fix);
        case 'too-large':
          throw new UsageError(`${key}: ${ref.file} is larger than ${formatBytes(MAX_SECRET_FILE_BYTES)}, too large for a secret`, fix);
        default:
          throw new UsageError(
            `${key}: cannot read ${ref.file} (${read.kind === 'missing' ? 'ENOENT' : read.code} at ${path})`,
            `check the path (relative to ${src.baseDirIs ?? "the answers file's folder"}) and its permissions`,
          );
      }
    }
    const v = read.data.toString('utf8').replace(/\r?\n$/, '');
    if (v === '') throw new UsageError(`${key}: ${ref.file} is empty`, `write the secret into ${ref.file}`);
    return v;
  }
  if (!src.readClusterSecret) {
    throw new EnvironmentError(
      `${key} refers to Secret ${ref.secret.name}, which can only be read from the cluster`,
      'run install (which reads it in the cluster), or use {env: NAME} for render --include-secrets',
    );
  }
  const v = await src.readClusterSecret(ref.secret.name, ref.secret.key);
  if (v === undefined || v === '') {
    throw new UsageError(`${key}: Secret ${ref.secret.name} has no key ${ref.secret.key}`, `create it: kubectl create secret generic ${ref.secret.name} --from-literal=${ref.secret.key}=...`);
  }
  return v;
}

/** Every secret reference that cannot be read, each with its key, reported at once (exit 2). */
export class SecretRefsError extends UsageError {
  constructor(readonly problems: UsageError[]) {
    super(
      problems.length === 1 ? problems[0].message : `${problems.length} secret references cannot be read\n${problems.map((p) => `  - ${p.message}${p.hint ? ` (${p.hint})` : ''}`).join('\n')}`,
      problems.length === 1 ? problems[0].hint : 'fix each one and run again',
    );
  }
}

/**
 * Reads every reference, so one run names every unset variable and unreadable file, not the first.
 * Bad input (exit 2) comes first: another failure (a cluster Secret that cannot be read) is thrown
 * only when every reference the user wrote is readable.
 */
export async function resolveSecretRefs(items: { key: string; ref: SecretRef }[], src: SecretSources): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  const problems: UsageError[] = [];
  let other: unknown;
  for (const { key, ref } of items) {
    try {
      values.set(key, await resolveSecretRef(ref, key, src));
    } catch (e) {
      if (e instanceof UsageError) problems.push(e);
      else other ??= e;
    }
  }
  if (problems.length) throw new SecretRefsError(problems);
  if (other !== undefined) throw other;
  return values;
}

/** Every secret reference in the answers, with its key path, in a stable order. */
export function secretRefsOf(answers: Answers): { key: string; ref: SecretRef }[] {
  const out: { key: string; ref: SecretRef }[] = [];
  if (answers.database.password) out.push({ key: 'database.password', ref: answers.database.password });
  if (answers.auth.google) out.push({ key: 'auth.google.clientSecret', ref: answers.auth.google.clientSecret });
  if (answers.auth.demoSignIn.password) out.push({ key: 'auth.demoSignIn.password', ref: answers.auth.demoSignIn.password });
  if (answers.warehouse.type === 'postgres') out.push({ key: 'warehouse.password', ref: answers.warehouse.password });
  return out;
}

export function answersBaseDir(answersPath: string): string {
  return dirname(answersPath);
}
