// Flags that override the answers file (-n, --kube-context, --chart, --chart-version, --release). They are
// validated by the same schema, and a bad value is reported against the flag, not the file.
import { AnswersSchema, type Answers } from './schema.js';
import { UsageError } from '../errors.js';

export interface AnswerOverrides {
  namespace?: string;
  kubeContext?: string;
  chart?: string;
  chartVersion?: string;
  /** --release: the helm release name. */
  release?: string;
}

export function applyOverrides(answers: Answers, o: AnswerOverrides): Answers {
  const merged = {
    ...answers,
    kubernetes: { ...answers.kubernetes, ...(o.namespace !== undefined ? { namespace: o.namespace } : {}), ...(o.kubeContext !== undefined ? { context: o.kubeContext } : {}) },
    release: { ...answers.release, ...(o.chart !== undefined ? { chart: o.chart } : {}), ...(o.chartVersion !== undefined ? { version: o.chartVersion } : {}), ...(o.release !== undefined ? { name: o.release } : {}) },
  };
  const r = AnswersSchema.safeParse(merged);
  if (r.success) return r.data;
  const flagOf: Record<string, string> = {
    'kubernetes.namespace': '--namespace',
    'kubernetes.context': '--kube-context',
    'release.chart': '--chart',
    'release.version': '--chart-version',
    'release.name': '--release',
  };
  const issue = r.error.issues[0];
  const key = issue.path.join('.');
  const flag = flagOf[key];
  throw new UsageError(flag ? `${flag}: ${issue.message}` : `${key}: ${issue.message}`, flag ? `pass a valid value to ${flag}` : 'fix the answers file');
}
