// `bucketeer-install images`: every image an install of these answers runs, after images.registry,
// with the chart's hard-coded CronJob image called out (the installer cannot move it).
import type { Answers } from '../answers/schema.js';
import { buildPlan } from '../plan/index.js';
import { installImages, manifestImages, type InstallImage } from '../plan/images.js';
import { prepareJob } from '../prepare/job.js';
import { PREPARE_STEP_NAMES } from '../prepare/types.js';

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
  const images = installImages(a, own);
  const notes: string[] = [];
  const stuck = images.filter((i) => !i.moved);
  if (stuck.length && (a.images?.registry || a.images?.pullSecrets?.length)) {
    notes.push(
      `${stuck.map((i) => i.original).join(', ')} is hard-coded in the chart (CronJobs, no value for the image or imagePullSecrets): bucketeer-install does not rewrite it, in the cluster or in render's manifests.yaml. ` +
        'Make it pullable under that name (a registry mirror for docker.io in the container runtime), or patch the CronJobs after each install or upgrade.',
    );
  }
  return { registry: a.images?.registry, pullSecrets: a.images?.pullSecrets ?? [], images, notes };
}

export function formatImagesReport(r: ImagesReport): string {
  const width = Math.max(...r.images.map((i) => i.image.length));
  const lines = [
    `Images${r.registry ? ` (images.registry ${r.registry})` : ''}${r.pullSecrets.length ? `, pull secrets ${r.pullSecrets.join(', ')}` : ''}:`,
    ...r.images.map((i) => `  ${i.image.padEnd(width)}  ${i.from === 'chart' ? 'chart' : 'installer'}: ${i.component}${i.moved ? '' : ' (not moved)'}`),
  ];
  for (const n of r.notes) lines.push('', `note: ${n}`);
  return `${lines.join('\n')}\n`;
}
