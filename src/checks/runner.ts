// One check runner: checks as data (id, category, title, fatal, dependsOn, hint), run side by side
// as soon as what they depend on has passed. A check whose dependency did not pass is reported as
// skipped with the reason, never run; a check that throws is a failure with the error's message.
// A group spec (runAll) stands for several checks found together (the pods of a release, the
// checks of one probe); it reports them in its place, or one `<id>.skipped` row when it cannot run.
import { CliError } from '../errors.js';
import type { Check, CheckStatus } from './types.js';

/** What a check's run returns: its outcome; id, category and title come from the spec. */
export interface CheckOutcome {
  status: CheckStatus;
  /** The spec's title, made precise by what the check found (e.g. the context's name). */
  title?: string;
  detail?: string;
  hint?: string;
  docUrl?: string;
  facts?: Record<string, unknown>;
}

interface SpecBase {
  id: string;
  category: string;
  title: string;
  /** A failure of this check stops the command that runs it (install's preflight refuses). */
  fatal?: boolean;
  /** Ids of checks that must pass (or warn) before this one runs. */
  dependsOn?: readonly string[];
  /** Ids of checks that must have finished, whatever their status, before this one runs. */
  after?: readonly string[];
  /** Why the checks that depend on this one are skipped when it fails (default: "needs <title>, which failed"). */
  blocksWith?: string | ((checks: readonly Check[]) => string);
  /** What to do when it fails, unless the outcome says more precisely. */
  hint?: string;
  docUrl?: string;
}

export interface CheckSpec extends SpecBase {
  run(signal?: AbortSignal): Promise<CheckOutcome>;
  runAll?: never;
}

export interface CheckGroupSpec extends SpecBase {
  /** The group's checks, reported in its place; it counts as failed for dependants when one failed. */
  runAll(signal?: AbortSignal): Promise<Check[]>;
  run?: never;
}

/** Either kind, as runChecks takes them. */
export type AnyCheckSpec = CheckSpec | CheckGroupSpec;

export interface CheckRun {
  checks: Check[];
  /** The fatal checks that failed (or were skipped because a dependency failed). */
  fatalFailures: Check[];
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** Leaves out the keys that are undefined, so the JSON report and the check lists stay as they were. */
const defined = (c: Check): Check => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as unknown as Check;

interface Done {
  checks: Check[];
  status: CheckStatus;
  /** What dependants say when they are skipped because of this one. */
  blocks?: string;
}

const worst = (checks: readonly Check[]): CheckStatus => (checks.some((c) => c.status === 'fail') ? 'fail' : checks.some((c) => c.status === 'skip') && checks.every((c) => c.status === 'skip') ? 'skip' : 'pass');

/** Runs every spec, in the order given for the report, each as soon as its dependencies are done. */
export async function runChecks(specs: readonly AnyCheckSpec[], opts: { signal?: AbortSignal } = {}): Promise<CheckRun> {
  const byId = new Map(specs.map((s) => [s.id, s]));
  if (byId.size !== specs.length) throw new Error(`two checks have the same id: ${specs.map((s) => s.id).find((id, i, all) => all.indexOf(id) !== i)}`);
  for (const s of specs) for (const d of [...(s.dependsOn ?? []), ...(s.after ?? [])]) if (!byId.has(d)) throw new Error(`check ${s.id} depends on unknown check ${d}`);
  const done = new Map<string, Promise<Done>>();
  const start = (spec: AnyCheckSpec, path: string[] = []): Promise<Done> => {
    if (path.includes(spec.id)) throw new Error(`checks depend on each other in a cycle: ${[...path, spec.id].join(' -> ')}`);
    let p = done.get(spec.id);
    if (p) return p;
    p = (async (): Promise<Done> => {
      const next = [...path, spec.id];
      const deps = await Promise.all((spec.dependsOn ?? []).map((d) => start(byId.get(d)!, next).then((r) => ({ id: d, ...r }))));
      await Promise.all((spec.after ?? []).map((d) => start(byId.get(d)!, next)));
      const blocked = deps.find((d) => d.status === 'fail' || d.status === 'skip');
      if (blocked) {
        const why = blocked.blocks ?? `needs ${byId.get(blocked.id)!.title}, which ${blocked.status === 'fail' ? 'failed' : 'was skipped'}`;
        const id = spec.runAll ? `${spec.id}.skipped` : spec.id;
        return { checks: [{ id, category: spec.category, title: spec.title, status: 'skip', detail: why }], status: 'skip', blocks: why };
      }
      const checks = spec.runAll ? await runGroup(spec, opts.signal) : [await runOne(spec, opts.signal)];
      const status = worst(checks);
      const blocks = status === 'fail' && spec.blocksWith !== undefined ? (typeof spec.blocksWith === 'string' ? spec.blocksWith : spec.blocksWith(checks)) : undefined;
      return { checks, status, blocks };
    })();
    done.set(spec.id, p);
    return p;
  };
  const results = await Promise.all(specs.map((s) => start(s)));
  const checks = results.flatMap((r) => r.checks);
  const fatalFailures = results.flatMap((r, i) => (specs[i].fatal ? r.checks.filter((c) => c.status === 'fail' || c.status === 'skip') : []));
  return { checks, fatalFailures };
}

async function runOne(spec: CheckSpec, signal: AbortSignal | undefined): Promise<Check> {
  const base = { id: spec.id, category: spec.category, title: spec.title };
  try {
    const out = await spec.run(signal);
    const failing = out.status === 'fail' || out.status === 'warn';
    return defined({ ...base, ...out, title: out.title ?? spec.title, hint: out.hint ?? (failing ? spec.hint : undefined), docUrl: out.docUrl ?? (failing ? spec.docUrl : undefined) });
  } catch (e) {
    return defined({ ...base, status: 'fail', detail: msg(e), hint: (e instanceof CliError ? e.hint : undefined) ?? spec.hint, docUrl: spec.docUrl });
  }
}

async function runGroup(spec: CheckGroupSpec, signal: AbortSignal | undefined): Promise<Check[]> {
  try {
    return await spec.runAll(signal);
  } catch (e) {
    return [defined({ id: `${spec.id}.read`, category: spec.category, title: spec.title, status: 'fail', detail: msg(e), hint: (e instanceof CliError ? e.hint : undefined) ?? spec.hint, docUrl: spec.docUrl })];
  }
}
