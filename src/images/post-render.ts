// The helm post-renderer behind images.registry and images.pullSecrets: helm pipes the rendered
// manifests through `bucketeer-install post-render` (stdin to stdout), which moves every container
// image outside the registry to <registry>/<path>:<tag> (mirrored(), as for the chart values) and
// adds the pull secrets a pod spec lacks. It exists for what values cannot reach: the chart's
// CronJobs hard-code their image and take no imagePullSecrets. It is generic on purpose: any pod
// spec (Deployment, StatefulSet, Job, CronJob, Pod...) of any kind is handled alike.
import { writeFileSync } from 'node:fs';
import { parseDocument, type Document } from 'yaml';
import { mirrored } from '../plan/images.js';

export interface ImagePolicy {
  registry?: string;
  pullSecrets?: string[];
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;
type Path = (string | number)[];

/** The paths of every pod spec (an object with a `containers` list) in a manifest. */
function podSpecPaths(node: unknown, path: Path = []): Path[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => podSpecPaths(n, [...path, i]));
  if (!node || typeof node !== 'object') return [];
  const o = node as Record<string, unknown>;
  const here = Array.isArray(o.containers) ? [path] : [];
  return [...here, ...Object.entries(o).flatMap(([k, v]) => podSpecPaths(v, [...path, k]))];
}

/** Applies the policy to one parsed manifest; true when it changed anything. */
function applyPolicy(doc: Document, policy: ImagePolicy): boolean {
  const registry = policy.registry?.replace(/\/+$/, '');
  const js = doc.toJS() as unknown;
  let changed = false;
  for (const path of podSpecPaths(js)) {
    const spec = path.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], js) as Record<string, unknown>;
    if (registry) {
      for (const list of CONTAINER_LISTS) {
        const containers = spec[list];
        if (!Array.isArray(containers)) continue;
        containers.forEach((c: { image?: unknown }, i) => {
          if (typeof c?.image !== 'string' || c.image.startsWith(`${registry}/`)) return;
          doc.setIn([...path, list, i, 'image'], mirrored(c.image, registry));
          changed = true;
        });
      }
    }
    const have = Array.isArray(spec.imagePullSecrets) ? (spec.imagePullSecrets as { name?: string }[]).map((s) => s?.name) : [];
    const missing = (policy.pullSecrets ?? []).filter((name) => !have.includes(name));
    if (!missing.length) continue;
    if (have.length) for (const name of missing) doc.addIn([...path, 'imagePullSecrets'], doc.createNode({ name }));
    else doc.setIn([...path, 'imagePullSecrets'], doc.createNode(missing.map((name) => ({ name }))));
    changed = true;
  }
  return changed;
}

/**
 * The manifests with the policy applied. Documents that need no change are passed on byte for
 * byte; a changed one is written back from its parsed form, comments (helm's `# Source:`) kept.
 * YAML 1.1 is what Kubernetes and helm parse manifests as (`0644` octal, `on` a boolean), so a
 * rewritten document means to them what it meant before.
 */
export function postRender(text: string, policy: ImagePolicy): string {
  // Odd indexes are the `---` separators (kept as they were), even ones the documents.
  const parts = text.split(/^(---(?:[ \t].*)?)$/m);
  return parts
    .map((part, i) => {
      if (i % 2 === 1 || !part.trim()) return part;
      const doc = parseDocument(part, { version: '1.1' });
      if (doc.errors.length) throw new Error(`document ${Math.floor(i / 2) + 1} of the rendered manifests is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
      if (!applyPolicy(doc, policy)) return part;
      return `${part.startsWith('\n') ? '\n' : ''}${doc.toString({ lineWidth: 0 })}`;
    })
    .join('');
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => (text += chunk));
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
}

/**
 * `bucketeer-install post-render [--registry=R] [--pull-secret=S]... [--error-file=F]`: a hidden
 * command that helm runs. Helm 4 throws away a post-renderer's stderr, so a failure is also
 * written to --error-file for the installer to report.
 */
export async function runPostRender(argv: string[]): Promise<number> {
  const policy: Required<ImagePolicy> = { registry: '', pullSecrets: [] };
  // Found first, wherever it is, so that an error in any other argument reaches it.
  const errorFile = argv.find((a) => a.startsWith('--error-file='))?.slice('--error-file='.length);
  try {
    for (const arg of argv) {
      const m = /^--(registry|pull-secret|error-file)=(.+)$/.exec(arg);
      if (!m) throw new Error(`post-render: unexpected argument "${arg}" (it takes --registry=R, --pull-secret=S and --error-file=F)`);
      if (m[1] === 'registry') policy.registry = m[2];
      else if (m[1] === 'pull-secret') policy.pullSecrets.push(m[2]);
    }
    process.stdout.write(postRender(await readStdin(), { registry: policy.registry || undefined, pullSecrets: policy.pullSecrets }));
    return 0;
  } catch (err) {
    const message = (err as Error).message;
    process.stderr.write(`${message}\n`);
    if (errorFile) writeFileSync(errorFile, message);
    return 1;
  }
}
