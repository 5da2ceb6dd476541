// The smoke test: proves Bucketeer works end to end, not only that pods run. In the bootstrap
// environment it creates a throwaway flag, turns it on, evaluates it through the API gateway with
// the client SDK key (the SDK's own /get_evaluation route), checks the variation, registers an
// evaluation event, and archives the flag. Each step is a Check with its timing; a failure names
// the step, the HTTP status and Bucketeer's message.
import { randomUUID } from 'node:crypto';
import type { Check } from '../checks/types.js';
import { Interrupted } from '../errors.js';
import { BucketeerError, type BucketeerClient } from './client.js';
import { EVALUATION_EVENT_TYPE, type Evaluation, type Feature } from './contract.js';
import { Unreachable } from './transport.js';

const CATEGORY = 'smoke';
const TAG = 'bucketeer-install-smoke';

export interface SmokeOptions {
  environmentId: string;
  environmentName: string;
  clientKey: string;
  /** The Secret and key the client key is read from (for the Job path). */
  clientKeySecret?: { name: string; key: string };
  /** How long the evaluation may take to see the new flag (the API gateway caches flags). */
  evaluationWaitMs?: number;
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function why(e: unknown): string {
  if (e instanceof BucketeerError) return `HTTP ${e.status}${e.bucketeerMessage ? `: ${e.bucketeerMessage}` : ''}`;
  if (e instanceof Unreachable) return `no answer via ${e.via}: ${e.message}`;
  return (e as Error).message;
}

export async function runSmoke(client: BucketeerClient, o: SmokeOptions): Promise<Check[]> {
  const checks: Check[] = [];
  const flagId = `bucketeer-install-smoke-${randomUUID().slice(0, 8)}`;
  const userId = 'bucketeer-install-smoke-user';
  let feature: Feature | undefined;
  let evaluation: Evaluation | undefined;
  let failed = false;

  async function step(id: string, title: string, fn: () => Promise<string>, opts: { always?: boolean } = {}): Promise<void> {
    if (failed && !opts.always) {
      checks.push({ category: CATEGORY, id: `smoke.${id}`, title, status: 'skip', detail: 'not run: an earlier step failed' });
      return;
    }
    const started = Date.now();
    try {
      const detail = await fn();
      checks.push({ category: CATEGORY, id: `smoke.${id}`, title, status: 'pass', detail: `${detail} (${Date.now() - started} ms)`, facts: { ms: Date.now() - started } });
    } catch (e) {
      if (e instanceof Interrupted) throw e;
      failed = true;
      checks.push({
        category: CATEGORY,
        id: `smoke.${id}`,
        title,
        status: 'fail',
        detail: `${title} failed: ${why(e)} (${Date.now() - started} ms)`,
        hint: e instanceof BucketeerError && (e.status === 401 || e.status === 403)
          ? `${e.status === 401 ? 'the credentials were rejected' : 'the credentials lack a role'}: check the service token Secret and the SDK keys Secret, then rerun: bucketeer-install doctor --smoke`
          : 'check the web and api pods (kubectl logs deploy/web -c web; deploy/api -c api), then rerun: bucketeer-install doctor --smoke',
        facts: e instanceof BucketeerError ? { status: e.status, route: e.route } : undefined,
      });
    }
  }

  await step('create-flag', `create flag ${flagId} in ${o.environmentName}`, async () => {
    const res = await client.web<{ feature: Feature }>('createFeature', {
      body: {
        environmentId: o.environmentId,
        id: flagId,
        name: 'bucketeer-install smoke test',
        description: 'Created and archived by bucketeer-install to prove the install works.',
        variations: [{ value: 'true', name: 'on' }, { value: 'false', name: 'off' }],
        tags: [TAG],
        defaultOnVariationIndex: 0,
        defaultOffVariationIndex: 1,
        variationType: 'BOOLEAN',
      },
    });
    feature = res.feature;
    return 'created';
  });
  await step('enable-flag', 'turn the flag on', async () => {
    await client.web('updateFeature', { body: { environmentId: o.environmentId, id: flagId, enabled: true, comment: 'bucketeer-install smoke test' } });
    return 'on';
  });
  await step('evaluate', 'evaluate the flag with the client SDK key (API gateway)', async () => {
    const want = feature?.variations.find((v) => v.value === 'true');
    const deadline = Date.now() + (o.evaluationWaitMs ?? 30_000);
    for (;;) {
      let last: string;
      try {
        const res = await client.sdk<{ evaluation: Evaluation }>('getEvaluation', o.clientKey, { tag: TAG, user: { id: userId }, featureId: flagId }, o.clientKeySecret);
        evaluation = res.evaluation;
        if (evaluation.variationValue === 'true' && (!want || evaluation.variationId === want.id)) return `variation on (true), reason ${evaluation.reason?.type ?? '?'}`;
        last = `got variation ${evaluation.variationValue} (${evaluation.variationId}), expected on (true)`;
      } catch (e) {
        // A new flag reaches the API gateway's cache a moment after it is created.
        if (!(e instanceof BucketeerError && e.status === 404)) throw e;
        last = why(e);
      }
      if (o.signal?.aborted) throw new Interrupted();
      if (Date.now() >= deadline) throw new Error(last);
      await sleep(Math.min(1_000, Math.max(50, deadline - Date.now())));
    }
  });
  await step('register-event', 'register an evaluation event (API gateway)', async () => {
    const eventId = randomUUID();
    const res = await client.sdk<{ errors?: Record<string, { message?: string }> }>('registerEvents', o.clientKey, {
      events: [{
        id: eventId,
        event: {
          '@type': EVALUATION_EVENT_TYPE,
          timestamp: String(Math.floor(Date.now() / 1000)),
          featureId: flagId,
          featureVersion: evaluation?.featureVersion ?? 0,
          userId,
          variationId: evaluation?.variationId ?? '',
          user: { id: userId },
          reason: { type: evaluation?.reason?.type ?? 'DEFAULT' },
          tag: TAG,
        },
      }],
    }, o.clientKeySecret);
    const errs = Object.entries(res.errors ?? {});
    if (errs.length) throw new Error(`the event was refused: ${errs.map(([, v]) => v.message ?? '?').join('; ')}`);
    return 'accepted';
  });
  await step('archive-flag', 'archive the flag', async () => {
    if (!feature) return 'nothing to archive';
    await client.web('updateFeature', { body: { environmentId: o.environmentId, id: flagId, archived: true, comment: 'bucketeer-install smoke test done' } });
    return 'archived';
  }, { always: true });
  return checks;
}
