// A folder the user names for generated files (render's --output-dir). Every way it can be wrong
// is one line and exit 2 (a file, a dangling link, a read-only or virtual file system), and files
// are written by temp file + rename, so a symlink planted in the folder under a file's name is
// replaced, never written through.
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, fchmodSync, lstatSync, mkdirSync, openSync, readdirSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { EnvironmentError, UsageError } from '../errors.js';

/** Kernel file systems: writing "files" there changes the system, or never returns. */
const VIRTUAL_ROOTS = ['/proc', '/sys'];

const codeOf = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);
const absent = (err: unknown) => codeOf(err) === 'ENOENT' || codeOf(err) === 'ENOTDIR';

function why(code: string): string {
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'no space left on the device';
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a folder';
  if (code === 'ENOENT') return 'a part of the path does not exist, or is a link to nothing';
  return code;
}

/** Errors a user fixes by choosing another folder are exit 2; a full disk is the environment's. */
function writeError(message: string, code: string): Error {
  const hint = 'choose a folder you can write to with --output-dir';
  return code === 'ENOSPC' || code === 'EIO' ? new EnvironmentError(`${message} (${why(code)})`, 'free some space or choose another folder') : new UsageError(`${message} (${why(code)})`, hint);
}

/**
 * Makes sure `dir` is a writable folder, creating it (and missing parents) if needed. Nothing
 * is created when the path cannot work.
 */
export function prepareOutputDir(dir: string, flag = '--output-dir'): void {
  const abs = resolve(dir);
  let st;
  try {
    st = lstatSync(abs);
  } catch (err) {
    // ENOTDIR: a part of the path is a file; the walk below names it.
    if (!absent(err)) throw writeError(`${flag} ${dir}: cannot use it`, codeOf(err));
  }
  if (st?.isSymbolicLink()) {
    try {
      st = statSync(abs);
    } catch {
      throw new UsageError(`${flag} ${dir} is a symbolic link to a path that does not exist`, 'remove the link, or choose another folder');
    }
  }
  if (st && !st.isDirectory()) throw new UsageError(`${flag} ${dir} exists and is not a folder`, 'choose another path');

  // The nearest part of the path that exists decides where the folder would live.
  const missing: string[] = [];
  let existing = abs;
  while (!st) {
    missing.unshift(existing);
    existing = dirname(existing);
    try {
      st = statSync(existing);
    } catch (err) {
      if (absent(err)) continue;
      throw writeError(`${flag} ${dir}: cannot use ${existing}`, codeOf(err));
    }
    if (!st.isDirectory()) throw new UsageError(`${flag} ${dir}: ${existing} is not a folder`, 'choose another path');
  }
  let real = existing;
  try {
    real = realpathSync(existing);
  } catch {
    // statSync just succeeded; a race here is reported by mkdir below.
  }
  const root = VIRTUAL_ROOTS.find((r) => real === r || real.startsWith(r + sep));
  if (root) throw new UsageError(`${flag} ${dir} is under ${root}, a kernel file system, not a place for files`, 'choose a folder on disk, e.g. --output-dir ./bucketeer-render');

  for (const part of missing) {
    try {
      mkdirSync(part);
    } catch (err) {
      if (codeOf(err) !== 'EEXIST') throw writeError(`${flag} ${dir}: cannot create ${part}`, codeOf(err));
    }
  }
  try {
    accessSync(abs, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw writeError(`${flag} ${dir} is not writable`, codeOf(err));
  }
}

const TEMP_SUFFIX = '.tmp';
const tempName = (name: string) => `.${name}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;

/**
 * Writes `dir/name` as a new file: a temp file created exclusively (O_EXCL never follows a link)
 * with its final mode from the first byte, then renamed over the name. A symlink or file of that
 * name is replaced; what a symlink pointed at is untouched.
 */
export function writeOutput(dir: string, name: string, content: string, secret = false): string {
  const path = join(dir, name);
  const tmp = join(dir, tempName(name));
  const mode = secret ? 0o600 : 0o644;
  try {
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    try {
      fchmodSync(fd, mode); // the umask may have narrowed it
      const buf = Buffer.from(content);
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = codeOf(err);
    if (code === 'EISDIR') throw new UsageError(`${path} is a folder`, `remove it or choose another --output-dir`);
    throw writeError(`cannot write ${path}`, code);
  }
  return path;
}

/**
 * Removes, of `names`, the ones not in `keep` (files an earlier run wrote that this one does not),
 * and temp files a killed run left behind. Only those exact names: other files in the folder are
 * the user's. Returns what was removed.
 */
export function removeStaleOutputs(dir: string, names: readonly string[], keep: readonly string[]): string[] {
  const removed: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const entry of entries) {
    const stale = names.includes(entry) && !keep.includes(entry);
    const leftover = entry.endsWith(TEMP_SUFFIX) && names.some((n) => entry.startsWith(`.${n}.`));
    if (!stale && !leftover) continue;
    const path = join(dir, entry);
    try {
      if (lstatSync(path).isDirectory()) continue;
      unlinkSync(path); // a symlink is removed itself, never its target
      if (stale) removed.push(path);
    } catch (err) {
      throw writeError(`cannot remove ${path}, left from an earlier render`, codeOf(err));
    }
  }
  return removed;
}
