// The gcp profile's messaging prepare step through the install CLI, against the Pub/Sub emulator:
// subscriptions are created before helm runs, a second install changes nothing, and switching the
// ordering of an existing install is refused without --recreate-subscriptions.
// Upstream pkg/subscriber/on_demand_subscriber.go (v2.3.0): on-demand subscribers delete their
// subscription while idle and recreate it unordered; the install never creates them and an
// upgrade that finds them recreated that way goes ahead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { example, helm, helmHistory, installArgs, runInstall, startCli, startHarness, type Harness } from './helpers.js';
import { pubsubMissing, startPubsubEmulator } from '../prepare/peers.js';
import { ON_DEMAND_SUBSCRIBERS, SUBSCRIBERS } from '../../src/plan/topics.js';

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

  const perKeyAnswers = () => {
    const a = parse(readFileSync(example('gcp'), 'utf8'));
    a.messaging.ordering = 'per-key';
    const file = join(h.dir, 'gcp-per-key.yaml');
    writeFileSync(file, stringify(a));
    return file;
  };
  const upgrade = (answers: string, extra: string[] = []) => {
    const upArgs = installArgs(h, { namespace: ns, answers, extra: [...args, ...extra] });
    upArgs[0] = 'upgrade';
    return startCli(upArgs, { ...h.env, ...env() }).done;
  };
  const name = (s: { name: string }) => s.name.split('/').pop()!;
  const onDemand = new Set(Object.values(ON_DEMAND_SUBSCRIBERS).map((b) => b.subscription));
  // The always-on subscribers the chart runs: not the on-demand ones, not the demo-site notifier.
  const expected = Object.entries(SUBSCRIBERS).filter(([n]) => n !== 'demoOrganizationCreationNotifier').map(([, b]) => b.subscription).sort();

  it('creates the topics and the running subscribers\' subscriptions before helm, no on-demand one, and a second install changes nothing', async () => {
    const r = await runInstall(h, { namespace: ns, answers: example('gcp'), env: env(), extra: args });
    expect(r.code, r.stderr).toBe(0);
    const subs = await subscriptions();
    expect(subs.map(name).sort()).toEqual(expected);
    expect(subs.some((s) => s.enableMessageOrdering === true)).toBe(false); // the gcp example: ordering none
    const again = await runInstall(h, { namespace: ns, answers: example('gcp'), env: env(), extra: args });
    expect(again.code, again.stderr).toBe(0);
    expect((await subscriptions()).map(name).sort()).toEqual(expected);
  });

  it('refuses to switch ordering on the existing subscriptions unless --recreate-subscriptions', async () => {
    const file = perKeyAnswers();
    const before = (await helmHistory(h, ns))?.length;
    const refused = await runInstall(h, { namespace: ns, answers: file, env: env(), extra: args });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/prepare messaging/);
    expect(refused.stderr).toMatch(/--recreate-subscriptions/);
    expect((await helmHistory(h, ns))?.length).toBe(before); // helm did not run
    expect((await subscriptions()).some((s) => s.enableMessageOrdering === true)).toBe(false);

    // upgrade runs the same step and refuses the same way, before helm.
    const up = await upgrade(file);
    expect(up.code).toBe(1);
    expect(up.stderr).toMatch(/--recreate-subscriptions/);
    expect((await helmHistory(h, ns))?.length).toBe(before);

    const recreated = await runInstall(h, { namespace: ns, answers: file, env: env(), extra: [...args, '--recreate-subscriptions'] });
    expect(recreated.code, recreated.stderr).toBe(0);
    const subs = await subscriptions();
    expect(subs.map(name).sort()).toEqual(expected);
    expect(subs.every((s) => s.enableMessageOrdering === true)).toBe(true);
  });

  it('an upgrade of an ordered install finding the on-demand subscriptions recreated unordered by Bucketeer goes ahead and leaves them', async () => {
    // What an on-demand subscriber does when it starts pulling: create its subscription with defaults.
    for (const b of Object.values(ON_DEMAND_SUBSCRIBERS)) {
      const r = await fetch(`${emulator.baseUrl}/v1/projects/${project}/subscriptions/${b.subscription}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: `projects/${project}/topics/${b.topic}` }) });
      expect(r.status).toBe(200);
    }
    const before = (await helmHistory(h, ns))?.length ?? 0;
    const up = await upgrade(perKeyAnswers());
    expect(up.code, up.stderr).toBe(0);
    expect((await helmHistory(h, ns))?.length).toBe(before + 1);
    const left = (await subscriptions()).filter((s) => onDemand.has(name(s)));
    expect(left).toHaveLength(onDemand.size);
    expect(left.some((s) => s.enableMessageOrdering === true)).toBe(false);
  });
});
