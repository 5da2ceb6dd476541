// The standalone entry point: prints "ready", serves what the kubeconfig says, exits 0 on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const tsx = resolve(here, '..', '..', 'node_modules', '.bin', 'tsx');

describe('kubesim cli', { timeout: 20_000 }, () => {
  it('serves until SIGTERM and exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubesim-cli-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const child = spawn(tsx, [join(here, 'cli.ts'), '--kubeconfig', kubeconfig, '--fault', 'deployment/web=crashloop'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((res, rej) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('ready')) res(out);
        });
        child.on('exit', (code) => rej(new Error(`cli exited early (${code})`)));
      });
      expect(line).toMatch(/kubesim ready url=http:\/\/127\.0\.0\.1:\d+ context=kubesim/);
      const config = parse(await readFile(kubeconfig, 'utf8'));
      expect(config['current-context']).toBe('kubesim');
      const server: string = config.clusters[0].cluster.server;
      expect(line).toContain(server);
      expect(config.clusters[0].cluster['insecure-skip-tls-verify']).toBe(true);
      expect(((await (await fetch(`${server}/version`)).json()) as { gitVersion: string }).gitVersion).toMatch(/^v1\.34\./);
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
