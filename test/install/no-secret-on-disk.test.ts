// Secrets never land on disk, even when the installer is killed with SIGKILL mid-helm: the values
// reach helm on standard input (`--values -`). And helm runs without the environment variables
// the answers name as secret sources. A wrapper around the real helm (HELM_BIN) records, for each
// call, its arguments, the names of its environment variables and the length of its standard
// input (never the values), then runs the real helm with the same input.
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helm, installArgs, SECRET_ENV, startCli, startHarness, type Harness } from './helpers.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe.skipIf(!helm)('install: no secret on disk, none in helm environment', () => {
  let h: Harness;
  let wrapper: string;
  let log: string;
  beforeAll(async () => {
    h = await startHarness();
    wrapper = join(h.dir, 'helm-wrapper.sh');
    log = join(h.dir, 'helm-calls.log');
    writeFileSync(
      wrapper,
      [
        '#!/bin/bash',
        `log=${JSON.stringify(log)}`,
        'echo "call: $*" >> "$log"',
        'env | cut -d= -f1 | sed "s/^/env: /" >> "$log"',
        'for a in "$@"; do if [ "$a" = "-" ]; then',
        '  input=$(cat); echo "stdin-bytes: ${#input}" >> "$log"',
        `  printf '%s\\n' "$input" | exec ${JSON.stringify(helm)} "$@"`,
        'fi; done',
        `exec ${JSON.stringify(helm)} "$@"`,
        '',
      ].join('\n'),
    );
    chmodSync(wrapper, 0o755);
  });
  afterAll(async () => h?.close());

  it('kill -9 of the installer while helm runs leaves no secret values file in the temp folder; helm had no secret variable', async () => {
    const ns = 'disk-kill9';
    const tmp = join(h.dir, 'tmp');
    mkdirSync(tmp);
    // Keep helm waiting (web never becomes ready) so the kill lands mid-helm.
    h.sim.setFault('deployment/web=never-ready');
    try {
      const run = startCli(installArgs(h, { namespace: ns, timeout: '8s', extra: ['--output', 'ndjson'] }), { ...h.env, HELM_BIN: wrapper, TMPDIR: tmp });
      await run.waitForLine(/"type":"progress","step":"helm"/);
      run.kill('SIGKILL');
      const r = await run.done;
      expect(r.code, "killed by SIGKILL").toBeNull();
      const leftovers = filesUnder(tmp);
      for (const f of leftovers) {
        const text = readFileSync(f, 'utf8');
        for (const secret of Object.values(SECRET_ENV)) expect(text, f).not.toContain(secret);
      }
      expect(leftovers.filter((f) => /values/.test(f))).toEqual([]);
    } finally {
      h.sim.clearFaults();
    }

    const calls = readFileSync(log, 'utf8').split(/^call: /m).filter(Boolean);
    const upgrade = calls.find((c) => c.startsWith('upgrade --install'));
    expect(upgrade, 'helm upgrade --install was called').toBeDefined();
    expect(upgrade!.split('\n')[0]).toMatch(/ --values - /);
    expect(Number(/^stdin-bytes: (\d+)$/m.exec(upgrade!)?.[1])).toBeGreaterThan(100);
    // Every helm call: the wrapper saw its environment (HELM_CACHE_HOME is there) but no secret variable.
    for (const c of calls) {
      const names = [...c.matchAll(/^env: (\S+)$/gm)].map((m) => m[1]);
      expect(names).toContain('HELM_CACHE_HOME');
      for (const secretVar of ['BUCKETEER_DB_PASSWORD', 'BUCKETEER_DEMO_PASSWORD']) expect(names, c.split('\n')[0]).not.toContain(secretVar);
    }
  });
});
