// The wizard's install engine (installEngine in src/install/run.ts) reports the same exit code as
// `install --answers` would: bad input is 2, not the 1 of a failed install.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAnswers } from '../../src/answers/load.js';
import { installEngine } from '../../src/install/run.js';
import type { InstallEvent } from '../../src/ui/ports.js';
import { repoRoot } from '../helpers/tools.js';
import { runCli } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('installEngine exit codes', () => {
  it('a secret ref the environment cannot satisfy is bad input: exitCode 2, a failed event naming the key, as with --answers', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'wizard-engine-'));
    dirs.push(cwd);
    const file = join(repoRoot, 'examples', 'answers', 'in-cluster.yaml');
    const answers = parseAnswers(readFileSync(file, 'utf8'), file);
    // BUCKETEER_DB_PASSWORD and BUCKETEER_DEMO_PASSWORD are not set: nothing reaches a cluster.
    const env = { PATH: process.env.PATH, KUBECONFIG: '/nonexistent/kubeconfig' };
    const events: InstallEvent[] = [];
    const result = await installEngine({ cwd }).run({ answers, answersPath: file, env }, (e) => events.push(e), new AbortController().signal);
    expect(result.ok).toBe(false);
    expect(result.exitCode).toBe(2);
    expect(events.find((e) => e.type === 'failed')).toMatchObject({ type: 'failed', step: 'preflight', reason: expect.stringMatching(/BUCKETEER_DB_PASSWORD is not set/) });

    const cli = await runCli(['install', '--answers', file, '--yes'], { cwd });
    expect(cli.code).toBe(result.exitCode);
  });

  it('--skip-bootstrap given to the wizard reaches its install: no owner email is then no reason to refuse', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'wizard-engine-'));
    dirs.push(cwd);
    const file = join(repoRoot, 'examples', 'answers', 'in-cluster.yaml');
    const base = parseAnswers(readFileSync(file, 'utf8'), file);
    // Google sign-in, no admin email, no bootstrap owner: bootstrap has no owner to create.
    const answers = { ...base, auth: { google: { clientId: 'cid', clientSecret: { env: 'G' } }, demoSignIn: { enabled: false } }, bootstrap: { ...base.bootstrap, ownerEmail: undefined } } as typeof base;
    const env = { PATH: process.env.PATH, KUBECONFIG: '/nonexistent/kubeconfig', BUCKETEER_DB_PASSWORD: 'pw', G: 'secret' };
    const run = (skipBootstrap: boolean) => installEngine({ cwd, skipBootstrap }).run({ answers, answersPath: file, env }, () => undefined, new AbortController().signal);
    const refused = await run(false);
    expect(refused).toMatchObject({ ok: false, exitCode: 2 });
    expect(refused.error?.message).toMatch(/owner/i);
    // Skipped: the run goes on to the cluster, which this test has none of (exit 3).
    expect(await run(true)).toMatchObject({ ok: false, exitCode: 3 });
  });
});
