import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProbes } from '../../src/probes/runner.js';
import { runPreflight } from '../../src/probes/preflight.js';
import type { Probe } from '../../src/probes/types.js';
import { defaultKubeState, startFakeKube } from './fake-kube.js';
import { json, startHttp } from './peers.js';

const probe = (id: string, run: Probe['run']): Probe => ({ id, category: 'test', title: id, run });

describe('probe runner', () => {
  it('a throwing probe, a hanging probe and a good one: the runner returns all three', async () => {
    const results = await runProbes(
      [
        probe('boom', async () => {
          throw new Error('socket hang up\nmore lines');
        }),
        probe('hang', () => new Promise(() => undefined)),
        probe('ok', async () => ({ checks: [{ category: 'test', id: 'ok', title: 'ok', status: 'pass' }], facts: { quotas: [] } })),
      ],
      { timeoutMs: 300 },
    );
    expect(results.map((r) => [r.id, r.outcome])).toEqual([
      ['boom', 'error'],
      ['hang', 'timeout'],
      ['ok', 'ok'],
    ]);
    expect(results[0].checks[0]).toMatchObject({ status: 'warn', detail: 'the probe broke: socket hang up' });
    expect(results[1].checks[0]).toMatchObject({ status: 'warn', detail: 'no answer within 300ms' });
    expect(results[1].durationMs).toBeGreaterThanOrEqual(290);
  });

  it('aborts the probe signal on timeout and on cancel', async () => {
    let sawAbort = false;
    const controller = new AbortController();
    const slow = probe('slow', (ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => ((sawAbort = true), resolve({ checks: [] })))));
    const pending = runProbes([slow], { timeoutMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const [r] = await pending;
    expect(r.outcome).toBe('cancelled');
    expect(sawAbort).toBe(true);
  });
});

describe('preflight runs probes in parallel', () => {
  const LATENCY_MS = 400;
  let gcp: Awaited<ReturnType<typeof startHttp>>;
  let kube: Awaited<ReturnType<typeof startFakeKube>>;
  beforeAll(async () => {
    // Every answer of both peers is held back by the same fixed latency.
    gcp = await startHttp(
      (req, _b, res) => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        if (path.startsWith('/v3/projects/')) return json(res, 200, { name: 'projects/1', projectId: 'my-proj', state: 'ACTIVE' });
        if (path.endsWith('/services')) return json(res, 200, { services: [] });
        if (path.endsWith('/instances')) return json(res, 200, {});
        if (path.includes('/regions/')) return json(res, 200, { quotas: [] });
        return json(res, 200, {});
      },
      { delayMs: LATENCY_MS },
    );
    kube = await startFakeKube(defaultKubeState(), { delayMs: LATENCY_MS });
  });
  afterAll(async () => {
    await gcp?.stop();
    await kube?.stop();
  });

  it('takes about as long as the slowest probe, not the sum', async () => {
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: 't', expiry_date: Date.now() + 3_600_000 });
    const { results, durationMs } = await runPreflight({
      platform: 'gcp',
      env: { BUCKETEER_INSTALL_GCP_ENDPOINT: gcp.url, PUBSUB_EMULATOR_HOST: `127.0.0.1:${gcp.port}` },
      kubeconfig: kube.kubeconfig,
      timeoutMs: 10_000,
      gcp: { project: 'my-proj', region: 'asia-northeast1', authClient },
    });
    expect(results.every((r) => r.outcome === 'ok')).toBe(true);
    expect(results.length).toBeGreaterThanOrEqual(10);
    const sum = results.reduce((s, r) => s + r.durationMs, 0);
    const slowest = Math.max(...results.map((r) => r.durationMs));
    // Each probe waited at least one latency; together they waited many.
    expect(Math.min(...results.map((r) => r.durationMs))).toBeGreaterThanOrEqual(LATENCY_MS - 20);
    expect(sum).toBeGreaterThan(results.length * (LATENCY_MS - 20));
    // Generous bounds: parallel means near the slowest probe and far below the sum.
    expect(durationMs).toBeLessThan(slowest + 1500);
    expect(durationMs / sum).toBeLessThan(0.4);
  });
});
