// Measures `doctor --pre`'s engine (runPreflight) with every probe delayed by a fixed latency,
// against the simulator. Run by bench/run.mjs with tsx (it imports the TypeScript sources, since
// the latency hook `wrapProbe` is an option of runPreflight, not a CLI flag):
//   tsx bench/preflight.ts --latency-ms 300 --runs 15 --warmup 2
// Prints one JSON line: per run, the wall time, the slowest probe's own time and the probe count.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { runPreflight } from '../src/probes/preflight.js';
import type { Probe } from '../src/probes/types.js';
import { startKubesim } from '../test/kubesim/server.js';

const { values } = parseArgs({ options: { 'latency-ms': { type: 'string' }, runs: { type: 'string' }, warmup: { type: 'string' } } });
const latencyMs = Number(values['latency-ms'] ?? 300);
const runs = Number(values.runs ?? 15);
const warmup = Number(values.warmup ?? 2);

const withLatency = (p: Probe): Probe => ({
  ...p,
  run: async (ctx) => {
    await sleep(latencyMs, undefined, { signal: ctx.signal });
    return p.run(ctx);
  },
});

const sim = await startKubesim();
try {
  // The Kubernetes client caches discovery under KUBECACHEDIR; a fresh one keeps runs comparable.
  const env = { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), 'bench-home-')), KUBECONFIG: sim.kubeconfigPath };
  const samples: { wallMs: number; slowestProbeMs: number; probes: number; outcomes: string[] }[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const started = performance.now();
    const r = await runPreflight({ platform: 'other', env, kubeconfig: sim.kubeconfigPath, wrapProbe: withLatency });
    const wallMs = performance.now() - started;
    if (i < warmup) continue;
    samples.push({
      wallMs,
      slowestProbeMs: Math.max(...r.results.map((p) => p.durationMs)),
      probes: r.results.length,
      outcomes: [...new Set(r.results.map((p) => p.outcome))],
    });
  }
  process.stdout.write(`${JSON.stringify({ latencyMs, samples })}\n`);
} finally {
  await sim.close();
}
