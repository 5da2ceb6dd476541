// `bucketeer-install images`: every image an install of these answers runs, after images.registry.
// The chart's hard-coded CronJob image is moved by the post-renderer helm runs, which the list
// says, since it is the one image a plain `helm template` with the same values would not move.
import type { Answers } from '../answers/schema.js';
import { buildPlan } from '../plan/index.js';
import { installImages, manifestImages, type InstallImage } from '../plan/images.js';
import { CALL_IMAGE } from '../bootstrap/job-transport.js';
import { prepareJob } from '../prepare/job.js';
import { PREPARE_STEP_NAMES } from '../prepare/types.js';
import { POST_RENDERER_PLUGIN } from '../helm/post-renderer.js';

export interface ImagesReport {
  registry?: string;
  pullSecrets: string[];
  images: InstallImage[];
  notes: string[];
}

export function imagesReport(a: Answers): ImagesReport {
  // The installer's manifests as they would be without images.registry: the original references.
  const plain: Answers = { ...a, images: undefined };
  const own = manifestImages([...buildPlan(plain).inCluster, ...PREPARE_STEP_NAMES.flatMap((s) => prepareJob(s, plain, 'apply')?.manifests ?? [])]);
  // Bootstrap and the smoke test call Bucketeer through short Jobs when the API server cannot proxy.
  const images = installImages(a, [...own, { component: `Job ${a.release.name}-bucketeer-call-* (bootstrap, smoke test)`, image: CALL_IMAGE }]);
  const notes: string[] = [];
  const rendered = images.filter((i) => i.via === 'post-renderer');
  if (rendered.length && (a.images?.registry || a.images?.pullSecrets?.length)) {
    notes.push(
      `${rendered.map((i) => i.original).join(', ')} is hard-coded in the chart (CronJobs, no value for the image or imagePullSecrets): install, upgrade and render move it with a helm post-renderer ` +
        `(plugin ${POST_RENDERER_PLUGIN} on helm 4), which a helm command of your own with the same values does not run.`,
    );
  }
  return { registry: a.images?.registry, pullSecrets: a.images?.pullSecrets ?? [], images, notes };
}

export function formatImagesReport(r: ImagesReport): string {
  const width = Math.max(...r.images.map((i) => i.image.length));
  const policy = Boolean(r.registry || r.pullSecrets.length);
  const lines = [
    `Images${r.registry ? ` (images.registry ${r.registry})` : ''}${r.pullSecrets.length ? `, pull secrets ${r.pullSecrets.join(', ')}` : ''}:`,
    ...r.images.map((i) => `  ${i.image.padEnd(width)}  ${i.from === 'chart' ? 'chart' : 'installer'}: ${i.component}${policy && i.via === 'post-renderer' ? ' (post-renderer)' : ''}`),
  ];
  for (const n of r.notes) lines.push('', `note: ${n}`);
  return `${lines.join('\n')}\n`;
}
