// The answers an install used, stored next to the release so that upgrade and doctor know what
// was asked for (helm's values say what was rendered, not why). A ConfigMap, because the answers
// hold secret *references* only, never values.
//
// ConfigMap `<release>-bucketeer-install` in the release namespace, labelled
// app.kubernetes.io/managed-by=bucketeer-install and app.kubernetes.io/instance=<release>:
//   answers.yaml      the Answers (schema version 1) after flag overrides, as YAML
//   chartRef          the chart reference installed (OCI, folder or .tgz)
//   chartVersion      the chart version installed
//   releaseRevision   helm's revision number that this install produced
//   installedAt       RFC 3339 time the install finished
//   installerVersion  bucketeer-install's version
//   format            "1": the layout of this ConfigMap
import { stringify } from 'yaml';
import { parseAnswers } from '../answers/load.js';
import type { Answers } from '../answers/schema.js';
import { resourcePath, type KubeClient } from '../kube/client.js';
import type { ConfigMap } from '../kube/types.js';
import { installerLabels, storedAnswersName } from '../plan/ownership.js';

export const STORED_ANSWERS_FORMAT = '1';


export interface StoredAnswers {
  answers: Answers;
  chartRef: string;
  chartVersion: string;
  releaseRevision?: number;
  installedAt: string;
  installerVersion: string;
}

export function storedAnswersConfigMap(namespace: string, release: string, s: StoredAnswers): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: storedAnswersName(release),
      namespace,
      labels: { ...installerLabels(release), 'app.kubernetes.io/part-of': 'bucketeer' },
      annotations: { 'bucketeer.io/purpose': 'answers used by bucketeer-install (secret references only), read by upgrade and doctor' },
    },
    data: {
      'answers.yaml': `# Answers used by bucketeer-install ${s.installerVersion}; secrets are references only.\n${stringify(stripSchemaComment(s.answers))}`,
      chartRef: s.chartRef,
      chartVersion: s.chartVersion,
      ...(s.releaseRevision !== undefined ? { releaseRevision: String(s.releaseRevision) } : {}),
      installedAt: s.installedAt,
      installerVersion: s.installerVersion,
      format: STORED_ANSWERS_FORMAT,
    },
  };
}

function stripSchemaComment(a: Answers): Answers {
  const { $schema: _ignored, ...rest } = a;
  return rest as Answers;
}

/** Creates or replaces the ConfigMap (server-side apply). */
export async function writeStoredAnswers(kube: KubeClient, namespace: string, release: string, s: StoredAnswers, signal?: AbortSignal): Promise<void> {
  const cm = storedAnswersConfigMap(namespace, release, s);
  await kube.apply(resourcePath('ConfigMap', namespace, cm.metadata.name), cm, { signal });
}

/**
 * Reads what a previous install stored; undefined when there is none. The answers are validated
 * by the current schema, so a stored file from an older installer that no longer parses is an
 * AnswersError naming the ConfigMap.
 */
export async function readStoredAnswers(kube: KubeClient, namespace: string, release: string, signal?: AbortSignal): Promise<StoredAnswers | undefined> {
  const cm = await kube.get<ConfigMap>(resourcePath('ConfigMap', namespace, storedAnswersName(release)), { signal });
  if (!cm?.data?.['answers.yaml']) return undefined;
  const d = cm.data;
  return {
    answers: parseAnswers(d['answers.yaml'], `ConfigMap ${namespace}/${storedAnswersName(release)} answers.yaml`),
    chartRef: d.chartRef ?? '',
    chartVersion: d.chartVersion ?? '',
    releaseRevision: d.releaseRevision ? Number(d.releaseRevision) : undefined,
    installedAt: d.installedAt ?? '',
    installerVersion: d.installerVersion ?? '',
  };
}
