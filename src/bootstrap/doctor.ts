// `doctor --smoke`: the smoke test on demand against an installed release, as checks. It is the
// one part of doctor that writes: it creates a throwaway flag and archives it again.
import type { Check } from '../checks/types.js';
import { Interrupted } from '../errors.js';
import { StepFailed } from '../install/engine.js';
import { readStoredAnswers } from '../install/stored-answers.js';
import { storedAnswersName } from '../plan/ownership.js';
import type { KubeClient } from '../kube/client.js';
import { BucketeerError } from './client.js';
import { smokeChecks } from './steps.js';
import { Unreachable } from './transport.js';

export async function smokeDoctorChecks(kube: KubeClient, o: { namespace: string; release: string; signal?: AbortSignal }): Promise<Check[]> {
  const base = { category: 'smoke', id: 'smoke.setup', title: 'smoke test' };
  try {
    const stored = await readStoredAnswers(kube, o.namespace, o.release, o.signal);
    if (!stored) return [{ ...base, status: 'fail', detail: `ConfigMap ${storedAnswersName(o.release)} not found: the smoke test needs the stored answers`, hint: 'install with bucketeer-install first' }];
    return await smokeChecks(kube, stored.answers, { signal: o.signal });
  } catch (e) {
    if (e instanceof Interrupted) throw e;
    if (e instanceof Unreachable) return [{ ...base, status: 'fail', detail: `Bucketeer did not answer via ${e.via}: ${e.message}`, hint: 'check that web and api are ready (bucketeer-install doctor) and that you may use services/proxy in the namespace' }];
    if (e instanceof StepFailed) return [{ ...base, status: 'fail', detail: e.message, hint: e.hint }];
    if (e instanceof BucketeerError) return [{ ...base, status: 'fail', detail: e.message }];
    throw e;
  }
}
