// The gcp profile's messaging prepare step through the install CLI, against the Pub/Sub emulator:
// subscriptions are created ordered before helm runs, a second install changes nothing, and
// switching the ordering of an existing install is refused without --recreate-subscriptions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { example, helm, helmHistory, installArgs, runInstall, startCli, startHarness, type Harness } from './helpers.js';
import { pubsubMissing, startPubsubEmulator } from '../prepare/peers.js';

const missing = pubsubMissing();
if (missing) console.warn(`SKIP install messaging tests: ${missing}`);

describe.skipIf(!helm || Boolean(missing))('install: Pub/Sub prepare step (emulator)', () => {
  let h: Harness;
  let emulator: Awaited<ReturnType<typeof startPubsubEmulator>>;
  const project = 'my-bucketeer-proj';
  const ns = 'prepare-pubsub';

  beforeAll(async () => {
    [h, emulator] = await Promise.all([startHarness(), startPubsubEmulator()]);
  });
  afterAll(async () => {
    await Promise.all([h?.close(), emulator?.stop()]);
  });

  const env = () => ({ PUBSUB_EMULATOR_HOST: `127.0.0.1:${emulator.port}` });
  const args = ['--skip-prepare', 'warehouse'];
  const subscriptions = async () => {
    const res = await fetch(`${emulator.baseUrl}/v1/projects/${project}/subscriptions`);
    const body = (await res.json()) as { subscriptions?: { name: string; enableMessageOrdering?: boolean }[] };
    return body.subscriptions ?? [];
  };

  it('creates the topics and ordered subscriptions before helm, and a second install changes nothing', async () => {
    const r = await runInstall(h, { namespace: ns, answers: example('gcp'), env: env(), extra: args });
    expect(r.code, r.stderr).toBe(0);
    const subs = await subscriptions();
    expect(subs.length).toBe(13);
    expect(subs.every((s) => s.enableMessageOrdering === true)).toBe(true);
    const again = await runInstall(h, { namespace: ns, answers: example('gcp'), env: env(), extra: args });
    expect(again.code, again.stderr).toBe(0);
    expect((await subscriptions()).map((s) => s.name).sort()).toEqual(subs.map((s) => s.name).sort());
  });

  it('refuses to switch ordering on the existing subscriptions unless --recreate-subscriptions', async () => {
    const a = parse(readFileSync(example('gcp'), 'utf8'));
    a.messaging.ordering = 'none';
    const file = join(h.dir, 'gcp-unordered.yaml');
    writeFileSync(file, stringify(a));
    const before = (await helmHistory(h, ns))?.length;
    const refused = await runInstall(h, { namespace: ns, answers: file, env: env(), extra: args });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/prepare messaging/);
    expect(refused.stderr).toMatch(/--recreate-subscriptions/);
    expect((await helmHistory(h, ns))?.length).toBe(before); // helm did not run
    expect((await subscriptions()).every((s) => s.enableMessageOrdering === true)).toBe(true);

    // upgrade runs the same step and refuses the same way, before helm.
    const upArgs = installArgs(h, { namespace: ns, answers: file, extra: args });
    upArgs[0] = 'upgrade';
    const up = await startCli(upArgs, { ...h.env, ...env() }).done;
    expect(up.code).toBe(1);
    expect(up.stderr).toMatch(/--recreate-subscriptions/);
    expect((await helmHistory(h, ns))?.length).toBe(before);

    const recreated = await runInstall(h, { namespace: ns, answers: file, env: env(), extra: [...args, '--recreate-subscriptions'] });
    expect(recreated.code, recreated.stderr).toBe(0);
    const subs = await subscriptions();
    expect(subs.length).toBe(13);
    expect(subs.some((s) => s.enableMessageOrdering === true)).toBe(false);
  });
});
