// Secrets never appear in stdout, stderr, or any file that is not mode 0600.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { helmBin, repoRoot } from './helpers/tools.js';

const fixtureChart = join(repoRoot, 'test/fixtures/chart');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('render --include-secrets keeps secrets out of logs and public files', () => {
  it.each(['gcp', 'aws', 'in-cluster'])('%s', async (profile) => {
    const helm = helmBin();
    const dir = mkdtempSync(join(tmpdir(), 'leak-'));
    // Unique, recognisable values, including characters that need URL-encoding in the DB URL.
    const secrets = {
      BUCKETEER_DB_PASSWORD: `db-${profile}-Zq9#x@y:/w`,
      GOOGLE_CLIENT_SECRET: `google-${profile}-K7m2P`,
      BUCKETEER_DEMO_PASSWORD: `demo-${profile}-R4t8Y`,
    };
    const out = join(dir, 'out');
    const args = ['render', '--answers', join(repoRoot, 'examples/answers', `${profile}.yaml`), '--output-dir', out, '--include-secrets'];
    if (helm) args.push('--chart', fixtureChart);
    else console.warn('helm binary missing: rendering without --chart');
    const r = await runCli(args, { env: { ...secrets, HELM_BIN: helm ?? '' } });
    expect(r.code, r.stderr).toBe(0);

    const referenced = Object.values(secrets).filter((v) => readFileSync(join(repoRoot, 'examples/answers', `${profile}.yaml`), 'utf8').includes(Object.keys(secrets).find((k) => secrets[k as keyof typeof secrets] === v)!));
    expect(referenced.length).toBeGreaterThan(0);
    const encoded = referenced.map((v) => encodeURIComponent(v));
    for (const v of [...referenced, ...encoded]) {
      expect(r.stdout).not.toContain(v);
      expect(r.stderr).not.toContain(v);
    }
    const files = walk(out);
    let secretFiles = 0;
    let found = 0;
    for (const f of files) {
      const mode = statSync(f).mode & 0o777;
      const text = readFileSync(f, 'utf8');
      const hit = [...referenced, ...encoded].some((v) => text.includes(v));
      if (mode === 0o600) secretFiles++;
      if (hit) {
        found++;
        expect(mode, `${f} holds a secret but has mode ${mode.toString(8)}`).toBe(0o600);
      }
    }
    // The secrets did reach the 0600 files (so the test looked at real content).
    expect(secretFiles).toBe(2);
    expect(found).toBeGreaterThan(0);
    writeFileSync(join(dir, 'done'), '');
  });
});
