import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { binPath } from './helpers/cli.js';
import { repoRoot } from './helpers/tools.js';

const HEAVY = [/node_modules\/ink\//, /node_modules\/react\//, /node_modules\/@aws-sdk\//, /node_modules\/@google-cloud\//, /node_modules\/google-auth-library\//, /node_modules\/@kubernetes\//];

function run(args: string[]): { stdout: string; loaded: string[] } {
  const log = join(mkdtempSync(join(tmpdir(), 'imports-')), 'log');
  const r = spawnSync(process.execPath, ['--import', join(repoRoot, 'test/helpers/import-log-register.mjs'), binPath, ...args], {
    env: { PATH: process.env.PATH, IMPORT_LOG: log },
    encoding: 'utf8',
  });
  expect(r.status).toBe(0);
  return { stdout: r.stdout, loaded: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [] };
}

function modulesLoadedBy(args: string[]): string[] {
  const { loaded } = run(args);
  expect(loaded.length).toBeGreaterThan(0);
  return loaded;
}

describe('start-up path stays light', () => {
  it('--version is answered by the bin stub without loading the CLI bundle', () => {
    const { stdout, loaded } = run(['--version']);
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(stdout).toBe(`${pkg.version}\n`);
    expect(loaded.filter((u) => u.includes('/dist/') || u.includes('/node_modules/'))).toEqual([]);
  });

  it.each([['--help'], ['render', '--help']])('%s loads no Ink, React or cloud SDK', (...args) => {
    const loaded = modulesLoadedBy(args);
    // The hook really saw the entry and the CLI bundle, so an empty list cannot pass by accident.
    expect(loaded.some((u) => u.endsWith('/dist/cli.js'))).toBe(true);
    const heavy = loaded.filter((u) => HEAVY.some((re) => re.test(u)));
    expect(heavy).toEqual([]);
    // The dependencies are bundled into dist/ chunks, so node_modules paths alone prove little:
    // the chunks loaded must also stay small (Ink+React, zod or any cloud SDK is 100 KB or more).
    const distFiles = [...new Set(loaded.filter((u) => u.startsWith('file:') && u.includes('/dist/')))].map((u) => fileURLToPath(u));
    const bytes = distFiles.reduce((sum, f) => sum + statSync(f).size, 0);
    expect(bytes).toBeLessThan(64 * 1024);
  });
});
