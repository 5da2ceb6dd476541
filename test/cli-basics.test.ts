import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helpers/tools.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };

describe('CLI basics', () => {
  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('--help lists only commands that exist and the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/render/);
    expect(r.stdout).toMatch(/schema/);
    expect(r.stdout).toMatch(/130\s+interrupted/);
  });

  it.each(['install', 'render', 'schema'])('%s --help shows its usage', async (cmd) => {
    const r = await runCli([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`bucketeer-install ${cmd}`);
    expect(r.stdout).toContain('--help');
  });

  it('schema prints a JSON Schema with the top-level keys', async () => {
    const r = await runCli(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['platform', 'database', 'redis', 'messaging', 'warehouse', 'ingress', 'sizing']));
  });

  it('install without a terminal and without --answers exits 2 naming --answers', async () => {
    const r = await runCli(['install']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--answers');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('answers.schema.json', () => {
  it('the committed schema file matches `bucketeer-install schema` (editors read the file)', async () => {
    const r = await runCli(['schema']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(repoRoot, 'answers.schema.json'), 'utf8')).toBe(r.stdout);
  });

  it.each(['gcp', 'aws', 'in-cluster'])('examples/answers/%s.yaml points editors at it', (p) => {
    const text = readFileSync(join(repoRoot, 'examples/answers', `${p}.yaml`), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../../answers.schema.json');
  });
});
