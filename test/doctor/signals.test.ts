// doctor's read-only checks stop on Ctrl-C (SIGINT) and SIGTERM alike, with the shell's exit code
// for the signal (130, 143), instead of running on to their timeouts or being killed mid-output.
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath } from '../helpers/cli.js';
import { repoRoot } from '../helpers/tools.js';

describe('doctor --pre stopped by a signal', () => {
  // An AWS endpoint that accepts connections and never answers: the probes wait on it.
  let server: Server;
  const sockets: Socket[] = [];
  let port = 0;
  beforeAll(async () => {
    server = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s: the checks stop at once and doctor exits %i', async (sig, code) => {
    const child = spawn(process.execPath, [binPath, 'doctor', '--pre', '--platform', 'aws', '--probe-timeout', '60s'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: '/nonexistent/kubeconfig', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Once the AWS probe is waiting on the silent endpoint.
    const deadline = Date.now() + 20_000;
    while (sockets.length === 0) {
      if (Date.now() > deadline) throw new Error('the AWS probe never connected');
      await new Promise((r) => setTimeout(r, 50));
    }
    const sentAt = Date.now();
    child.kill(sig);
    const exit = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(exit, stderr).toBe(code);
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    expect(stderr).toContain(`${sig} received: the checks were stopped`);
    for (const s of sockets.splice(0)) s.destroy();
  });
});
