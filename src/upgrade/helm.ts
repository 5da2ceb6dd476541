// The deployed manifest of a revision (with hooks, so it compares like for like with `helm
// template`): the helm read upgrade needs beyond src/install/release.ts.
import { OperationFailed } from '../errors.js';
import type { HelmTarget } from '../install/release.js';
import { exec, lastErrorLine } from '../util/exec.js';

/** `helm get manifest` + `helm get hooks` of one revision: what that revision rendered. */
export async function deployedManifest(t: HelmTarget, revision: number, signal?: AbortSignal): Promise<string> {
  const parts: string[] = [];
  for (const what of ['manifest', 'hooks']) {
    const res = await exec(t.helm.bin, ['get', what, t.release, '--revision', String(revision), '--namespace', t.namespace, ...t.kubeArgs], { env: t.env, timeoutMs: 60_000, signal });
    if (res.exitCode !== 0) throw new OperationFailed(`helm get ${what} ${t.release} --revision ${revision} failed: ${lastErrorLine(res)}`, `run it yourself to see more: helm get ${what} ${t.release} -n ${t.namespace}`);
    parts.push(res.stdout);
  }
  return parts.join('\n---\n');
}
