// Subprocesses stop when the run is cancelled, however close to the spawn the cancel lands.
import { describe, expect, it } from 'vitest';
import { describeCommand, exec } from '../src/util/exec.js';
import { Interrupted } from '../src/errors.js';

describe('exec and cancellation', () => {
  it('refuses to spawn once the signal is aborted', async () => {
    const c = new AbortController();
    c.abort();
    await expect(exec('sleep', ['30'], { signal: c.signal })).rejects.toBeInstanceOf(Interrupted);
  });

  it('stops a child when the abort lands right after the call', async () => {
    const c = new AbortController();
    const started = Date.now();
    const run = exec('sleep', ['30'], { signal: c.signal }).catch((e: unknown) => e);
    c.abort();
    await run;
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('passes arguments as an array, never through a shell', async () => {
    const r = await exec('printf', ['%s|', 'a b', '$(echo x)', ';rm']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('a b|$(echo x)|;rm|');
  });

  it('describes a command for --debug with secret values masked', () => {
    expect(describeCommand('/x/helm', ['upgrade', '--install', 'bucketeer', './chart', '--values', '/tmp/v.yaml', '--set', 'web.oauth.google.clientSecret=s3', '--set=global.x=1'])).toBe(
      '/x/helm upgrade --install bucketeer ./chart --values /tmp/v.yaml --set web.oauth.google.clientSecret=*** --set=global.x=1',
    );
    expect(describeCommand('plugin', ['--token', 'abc', '--password=hunter2', '--client-secret', 'q', 'mysql://u:pw@h/db', 'a b'])).toBe(
      "plugin --token *** --password=*** --client-secret *** mysql://u:***@h/db 'a b'",
    );
  });
});
