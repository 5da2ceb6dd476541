// detectHelm: one `helm version` per binary, asked again when the file changes.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectHelm } from '../src/helm/binary.js';

describe('detectHelm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'helm-binary-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const calls = join(dir, 'calls');
  const fakeHelm = (version: string) => {
    const bin = join(dir, 'helm');
    writeFileSync(bin, `#!/bin/sh\necho x >> ${JSON.stringify(calls)}\nprintf '%s' ${JSON.stringify(version)}\n`);
    chmodSync(bin, 0o755);
    return bin;
  };
  const callCount = () => readFileSync(calls, 'utf8').trim().split('\n').length;

  it('asks a binary its version once, however many callers ask at once, and again once the file is replaced', async () => {
    const bin = fakeHelm('v4.1.4');
    const env = { HELM_BIN: bin, PATH: process.env.PATH };
    const [a, b] = await Promise.all([detectHelm(env), detectHelm(env)]);
    expect(a.version).toBe('v4.1.4');
    expect(b).toBe(a);
    expect(callCount()).toBe(1);

    fakeHelm('v3.19.10'); // another size: a different file
    const c = await detectHelm(env);
    expect(c.version).toBe('v3.19.10');
    expect(c.rollbackFlag).toBe('--atomic');
    expect(callCount()).toBe(2);
  });

  it('a failure is not remembered: a binary that is fixed is asked again', async () => {
    const bin = fakeHelm('garbage-out');
    const env = { HELM_BIN: bin, PATH: process.env.PATH };
    await expect(detectHelm(env)).rejects.toThrow(/could not read helm's version/);
    const before = callCount();
    await expect(detectHelm(env)).rejects.toThrow(/could not read helm's version/);
    expect(callCount()).toBe(before + 1);
  });
});
