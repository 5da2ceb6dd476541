// Reading a file the user named (an answers file, a {file:} secret) without ever hanging: a FIFO
// with no writer blocks a plain open() forever, and /dev/zero or /dev/urandom never end. The file is
// opened non-blocking (so a FIFO opens at once), checked with fstat on that same descriptor (no
// race with a swap of the path), and read to at most maxBytes + 1 bytes.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

export type FileProblem =
  | { kind: 'missing' }
  | { kind: 'unreadable'; code: string }
  | { kind: 'not-regular'; what: string }
  | { kind: 'too-large'; bytes: number };

export type FileRead = { ok: true; data: Buffer } | ({ ok: false } & FileProblem);

/** What a non-regular file is, in words a user recognises. */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function readRegularFile(path: string, maxBytes: number): FileRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return code === 'ENOENT' ? { ok: false, kind: 'missing' } : { ok: false, kind: 'unreadable', code };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, kind: 'not-regular', what: fileKind(st) };
    if (st.size > maxBytes) return { ok: false, kind: 'too-large', bytes: st.size };
    // Files under /proc report size 0 and a file can grow after fstat: read no more than the cap.
    const chunk = Buffer.alloc(64 * 1024);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) return { ok: false, kind: 'too-large', bytes: total };
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    return { ok: true, data: Buffer.concat(chunks) };
  } catch (err) {
    return { ok: false, kind: 'unreadable', code: (err as NodeJS.ErrnoException).code ?? String(err) };
  } finally {
    closeSync(fd);
  }
}

/** "1.5 MB", "12 KB": sizes in messages. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1048576).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.ceil(n / 1024)} KB`;
  return `${n} bytes`;
}
