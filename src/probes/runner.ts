// Runs probes in parallel through the one check runner (src/checks/runner.ts), each under its own
// timeout, and never lets one probe's failure or silence stop the others: a cloud that does not
// answer yields partial results.
import { setMaxListeners } from 'node:events';
import { runChecks, type CheckGroupSpec } from '../checks/runner.js';
import type { Check } from '../checks/types.js';
import type { FactsPatch, PreflightFacts, Probe, ProbeResult } from './types.js';

import { DEFAULT_PROBE_TIMEOUT_MS } from '../settings.js';

export { DEFAULT_PROBE_TIMEOUT_MS };

export interface RunProbesOptions {
  /** Per-probe budget (default 10 s). */
  timeoutMs?: number;
  /** Cancels every probe still running (Ctrl-C). */
  signal?: AbortSignal;
}

export async function runProbes(probes: readonly Probe[], opts: RunProbesOptions = {}): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  await runChecks(probeSpecs(probes, opts, results), { signal: opts.signal });
  return results;
}

/**
 * The probes as checks for the one check runner: each a group of the checks it reports, run under
 * its own timeout. `results[i]` receives probe i's outcome, duration and facts.
 */
export function probeSpecs(probes: readonly Probe[], opts: RunProbesOptions, results: ProbeResult[]): CheckGroupSpec[] {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  // Each probe listens on the shared cancel signal; a dozen listeners is expected, not a leak.
  if (opts.signal) setMaxListeners(Math.max(20, probes.length * 2), opts.signal);
  return probes.map((probe, i) => ({
    id: probe.id,
    category: probe.category,
    title: probe.title,
    async runAll() {
      results[i] = await runOne(probe, timeoutMs, opts.signal);
      return results[i].checks;
    },
  }));
}

async function runOne(probe: Probe, timeoutMs: number, outer?: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  const controller = new AbortController();
  const base = { id: probe.id, category: probe.category, title: probe.title };
  const done = (outcome: ProbeResult['outcome'], checks: Check[], facts?: FactsPatch): ProbeResult => ({
    ...base,
    outcome,
    durationMs: Math.round(performance.now() - started),
    checks,
    facts,
  });
  if (outer?.aborted) return done('cancelled', [stopped(probe, 'cancelled before it started')]);

  let timer: NodeJS.Timeout | undefined;
  let onOuterAbort: (() => void) | undefined;
  // The race settles on the first of: the probe, its timer, the outer cancel. A probe that ignores
  // its signal is abandoned (its socket is aborted by the signal where the client supports it).
  const stop = new Promise<'timeout' | 'cancelled'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${formatMs(timeoutMs)}`));
      resolve('timeout');
    }, timeoutMs);
    if (outer) {
      onOuterAbort = () => {
        controller.abort(new Error('cancelled'));
        resolve('cancelled');
      };
      outer.addEventListener('abort', onOuterAbort, { once: true });
    }
  });
  try {
    const work = Promise.resolve().then(() => probe.run({ signal: controller.signal, timeoutMs }));
    // A rejection after the race is lost must not surface as an unhandled rejection.
    work.catch(() => undefined);
    const winner = await Promise.race([work.then((out) => ({ out })), stop]);
    if (winner === 'timeout') {
      return done('timeout', [
        stopped(probe, `no answer within ${formatMs(timeoutMs)}`, `check the network path to the API, or allow more time with --probe-timeout ${formatMs(timeoutMs * 3)}`),
      ]);
    }
    if (winner === 'cancelled') return done('cancelled', [stopped(probe, 'cancelled')]);
    return done('ok', winner.out.checks, winner.out.facts);
  } catch (err) {
    if (controller.signal.aborted && outer?.aborted) return done('cancelled', [stopped(probe, 'cancelled')]);
    return done('error', [
      {
        category: probe.category,
        id: probe.id,
        title: probe.title,
        status: 'warn',
        detail: `the probe broke: ${oneLine(err)}`,
        hint: 'run again with --debug; if it persists, report it',
      },
    ]);
  } finally {
    clearTimeout(timer);
    if (outer && onOuterAbort) outer.removeEventListener('abort', onOuterAbort);
  }
}

function stopped(probe: Probe, detail: string, hint?: string): Check {
  // Unknown is not failure: a probe that could not finish warns, so a slow API does not block
  // an install by itself (--strict makes it fail).
  return { category: probe.category, id: probe.id, title: probe.title, status: 'warn', detail, hint };
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].trim();
}

/** Merges every probe's facts into one object (objects merge, quota lists concatenate). */
export function mergeFacts(results: readonly ProbeResult[]): PreflightFacts {
  const facts: PreflightFacts = { aws: {}, gcp: {}, kubernetes: {}, quotas: [] };
  for (const r of results) {
    const f = r.facts;
    if (!f) continue;
    if (f.aws) Object.assign(facts.aws, f.aws);
    if (f.gcp) Object.assign(facts.gcp, f.gcp);
    if (f.kubernetes) Object.assign(facts.kubernetes, f.kubernetes);
    if (f.quotas) facts.quotas.push(...f.quotas);
  }
  return facts;
}
