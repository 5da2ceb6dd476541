// Every image an install runs, and the answers that move them: images.registry rewrites each
// reference to <registry>/<path>:<tag> (the path without its original registry host) and
// images.pullSecrets adds pull secrets, for the chart (its values) and the installer's own
// manifests (in-cluster MySQL/Redis, prepare Jobs) alike. The chart's CronJob image is hard-coded
// and takes no value: helm's post-renderer (src/images/post-render.ts) moves it, and adds the pull
// secrets the CronJobs have no value for.
import type { Answers } from '../answers/schema.js';
import { CHART_IMAGES } from '../chart/images.js';
import type { Manifest } from './in-cluster.js';
/** Chart values (the shape src/plan/values.ts builds). */
type Values = Record<string, unknown>;

/** `ghcr.io/a/b:t` -> host ghcr.io, path a/b, tag t; `mysql:8.4` -> no host, path mysql. */
export function splitImage(ref: string): { host?: string; path: string; tag?: string } {
  const at = ref.lastIndexOf(':');
  const slash = ref.lastIndexOf('/');
  const [name, tag] = at > slash ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, undefined];
  const first = name.split('/')[0];
  const hasHost = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return { host: hasHost ? first : undefined, path: hasHost ? name.slice(first.length + 1) : name, tag };
}

/** The image (or repository, without a tag) under the mirror; unchanged without one. */
export function mirrored(ref: string, registry: string | undefined): string {
  if (!registry) return ref;
  const { path, tag } = splitImage(ref);
  return `${registry.replace(/\/+$/, '')}/${path}${tag ? `:${tag}` : ''}`;
}

export interface InstallImage {
  component: string;
  /** What the install runs, after images.registry. */
  image: string;
  /** The image without images.registry. */
  original: string;
  from: 'chart' | 'installer';
  /** How images.registry and images.pullSecrets reach it: the chart's values, the post-renderer helm runs (hard-coded in the chart), or the installer's own manifests. */
  via: 'values' | 'post-renderer' | 'manifests';
  pullSecrets: boolean;
}

const releaseTag = (a: Answers) => (a.release.version.startsWith('v') ? a.release.version : `v${a.release.version}`);

export function installImages(a: Answers, installerImages: { component: string; image: string }[]): InstallImage[] {
  const registry = a.images?.registry;
  const secrets = (a.images?.pullSecrets?.length ?? 0) > 0;
  const chart = CHART_IMAGES.map((c) => {
    const original = `${c.repository}:${c.tag === 'release' ? releaseTag(a) : c.tag}`;
    const via = c.repositoryValue !== undefined ? ('values' as const) : ('post-renderer' as const);
    return { component: c.component, original, image: mirrored(original, registry), from: 'chart' as const, via, pullSecrets: secrets };
  });
  const own = installerImages.map((i) => ({ component: i.component, original: i.image, image: mirrored(i.image, registry), from: 'installer' as const, via: 'manifests' as const, pullSecrets: secrets }));
  return [...chart, ...own];
}

/** The chart values for images.registry and images.pullSecrets (empty without them). */
export function imageValues(a: Answers): Values {
  const out: Values = {};
  const set = (path: string, value: unknown) => {
    const keys = path.split('.');
    let node = out;
    for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Values;
    node[keys.at(-1)!] = value;
  };
  const registry = a.images?.registry;
  if (registry) for (const c of CHART_IMAGES) if (c.repositoryValue) set(c.repositoryValue, mirrored(c.repository, registry));
  if (a.images?.pullSecrets?.length) set('global.image.imagePullSecrets', a.images.pullSecrets.map((name) => ({ name })));
  return out;
}

/** A Deployment/StatefulSet/Job of the installer with its images moved and pull secrets added. */
export function withImagePolicy<M extends Manifest>(m: M, a: Answers): M {
  const registry = a.images?.registry;
  const secrets = a.images?.pullSecrets ?? [];
  const pod = (m as { spec?: { template?: { spec?: Record<string, unknown> } } }).spec?.template?.spec;
  if (!pod || (!registry && !secrets.length)) return m;
  const move = (cs: unknown) => (Array.isArray(cs) ? cs.map((c: { image?: string }) => ({ ...c, ...(c.image ? { image: mirrored(c.image, registry) } : {}) })) : cs);
  const spec = { ...pod, containers: move(pod.containers), ...(pod.initContainers ? { initContainers: move(pod.initContainers) } : {}), ...(secrets.length ? { imagePullSecrets: secrets.map((name) => ({ name })) } : {}) };
  const s = (m as unknown as { spec: { template: Record<string, unknown> } }).spec;
  return { ...m, spec: { ...s, template: { ...s.template, spec } } };
}

/** The images in installer manifests (in-cluster servers, prepare Jobs), before images.registry. */
export function manifestImages(ms: Manifest[]): { component: string; image: string }[] {
  return ms.flatMap((m) => {
    const pod = (m as { spec?: { template?: { spec?: { containers?: { image?: string }[]; initContainers?: { image?: string }[] } } } }).spec?.template?.spec;
    return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])].filter((c) => c.image).map((c) => ({ component: `${m.kind} ${m.metadata.name}`, image: c.image! }));
  });
}
