// What a failed run leaves in the cluster and how to remove it. Only objects this run created are
// named (recorded by the steps as they create them): what existed before is never offered for
// deletion.
import { CliError } from '../errors.js';
import type { CreatedObject, InstallContext } from './engine.js';

function plural(kind: string, n: number): string {
  return n === 1 ? kind : `${kind}s`;
}

/** "Secrets a, b; StatefulSet c", in the order they were created. */
function describe(objects: CreatedObject[]): string {
  const byKind = new Map<string, string[]>();
  for (const o of objects) byKind.set(o.kind, [...(byKind.get(o.kind) ?? []), o.name]);
  return [...byKind].map(([kind, names]) => `${plural(kind, names.length)} ${[...new Set(names)].join(', ')}`).join('; ');
}

/** One paragraph for the error hint; undefined when this run created nothing. */
export function leftoversNote(ctx: InstallContext): string | undefined {
  const ns = ctx.answers.kubernetes.namespace;
  const created = ctx.state.created ?? [];
  const inside = created.filter((c) => c.kind !== 'Namespace');
  if (ctx.state.namespaceCreated) {
    return (
      `Left in the cluster: namespace ${ns}, created by this run${inside.length ? `, with ${describe(inside)}` : ''}. ` +
      `Run the same command again to continue (it reuses them), or remove it all: ${ctx.kube.kubectl(`delete namespace ${ns}`)}`
    );
  }
  if (!inside.length) return undefined;
  const unique = [...new Map(inside.map((c) => [`${c.kind.toLowerCase()}/${c.name}`, c])).keys()];
  const keepsClaims = inside.some((c) => c.kind === 'StatefulSet') ? ' (a StatefulSet leaves its PersistentVolumeClaims: kubectl get pvc -n ' + ns + ')' : '';
  return (
    `Left in namespace ${ns}, created by this run: ${describe(inside)}. ` +
    `Run the same command again to continue (it reuses them), or remove them: ${ctx.kube.kubectl(`delete -n ${ns} ${unique.join(' ')}`)}${keepsClaims}`
  );
}

/** Adds the leftovers to a failure's hint (what to do), keeping its class and exit code. */
export function withLeftovers(err: unknown, ctx: InstallContext): unknown {
  const note = leftoversNote(ctx);
  if (!note || !(err instanceof CliError)) return err;
  // hint is readonly for callers; this is the one place that completes it after the fact.
  (err as { hint?: string }).hint = err.hint ? `${err.hint}\n${note}` : note;
  return err;
}
