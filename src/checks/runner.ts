// One check runner: checks as data (id, category, title, fatal, dependsOn, hint), run side by side
// as soon as what they depend on has passed. A check whose dependency did not pass is reported as
// skipped with the reason, never run; a check that throws is a failure with the error's message.
import { CliError } from '../errors.js';
import type { Check, CheckStatus } from './types.js';

/** What a check's run returns: its outcome; id, category and title come from the spec. */
export interface CheckOutcome {
  status: CheckStatus;
  detail?: string;
  hint?: string;
  docUrl?: string;
  facts?: Record<string, unknown>;
}

export interface CheckSpec {
  id: string;
  category: string;
  title: string;
  /** A failure of this check stops the command that runs it (install's preflight refuses). */
  fatal?: boolean;
  /** Ids of checks that must pass (or warn) before this one runs. */
  dependsOn?: readonly string[];
  /** What to do when it fails, unless the outcome says more precisely. */
  hint?: string;
  docUrl?: string;
  run(signal?: AbortSignal): Promise<CheckOutcome>;
}

export interface CheckRun {
  checks: Check[];
  /** The fatal checks that failed (or were skipped because a dependency failed). */
  fatalFailures: Check[];
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** Leaves out the keys that are undefined, so the JSON report and the check lists stay as they were. */
const defined = (c: Check): Check => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as unknown as Check;

/** Runs every spec, in the order given for the report, each as soon as its dependencies are done. */
export async function runChecks(specs: readonly CheckSpec[], opts: { signal?: AbortSignal } = {}): Promise<CheckRun> {
  const byId = new Map(specs.map((s) => [s.id, s]));
  for (const s of specs) for (const d of s.dependsOn ?? []) if (!byId.has(d)) throw new Error(`check ${s.id} depends on unknown check ${d}`);
  const done = new Map<string, Promise<Check>>();
  const start = (spec: CheckSpec, path: string[] = []): Promise<Check> => {
    if (path.includes(spec.id)) throw new Error(`checks depend on each other in a cycle: ${[...path, spec.id].join(' -> ')}`);
    let p = done.get(spec.id);
    if (p) return p;
    p = (async (): Promise<Check> => {
      const base = { id: spec.id, category: spec.category, title: spec.title };
      const deps = await Promise.all((spec.dependsOn ?? []).map((d) => start(byId.get(d)!, [...path, spec.id])));
      const blocked = deps.find((d) => d.status === 'fail' || d.status === 'skip');
      if (blocked) return { ...base, status: 'skip', detail: `needs ${blocked.title}, which ${blocked.status === 'fail' ? 'failed' : 'was skipped'}` };
      try {
        const out = await spec.run(opts.signal);
        const failing = out.status === 'fail' || out.status === 'warn';
        return defined({ ...base, ...out, hint: out.hint ?? (failing ? spec.hint : undefined), docUrl: out.docUrl ?? (failing ? spec.docUrl : undefined) });
      } catch (e) {
        return defined({ ...base, status: 'fail', detail: msg(e), hint: (e instanceof CliError ? e.hint : undefined) ?? spec.hint, docUrl: spec.docUrl });
      }
    })();
    done.set(spec.id, p);
    return p;
  };
  const checks = await Promise.all(specs.map((s) => start(s)));
  const fatalFailures = checks.filter((c, i) => specs[i].fatal && (c.status === 'fail' || c.status === 'skip'));
  return { checks, fatalFailures };
}
