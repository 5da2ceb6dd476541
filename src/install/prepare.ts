// Issue 7's prepare steps inside the install: private middleware (MySQL, Redis, a MySQL or
// Postgres warehouse) is prepared by a short Job in the cluster, whose log is turned back into
// checks; Pub/Sub and BigQuery go to the public APIs with the user's credentials. Any failing
// check stops the install before helm runs, naming the step.
import type { Check } from '../checks/types.js';
import { KubeClient, resourcePath } from '../kube/client.js';
import type { Job, KubeObject, Pod } from '../kube/types.js';
import type { PrepareOptions, PrepareStep, PrepareStepName } from '../prepare/types.js';
import { PREPARE_STEP_NAMES } from '../prepare/types.js';
import { recordCreated, StepFailed, type InstallContext, type Step, type StepApi, type StepWarning } from './engine.js';
import { podProblem } from './diagnose.js';

export interface PrepareFlags extends PrepareOptions {
  /** --skip-prepare NAME (repeatable): steps the user takes care of. */
  skip: PrepareStepName[];
}


/** The failing checks of a step as a StepFailed naming the step (the install stops before helm). */
function stopOnFailure(step: PrepareStepName, checks: Check[], api: StepApi): string | StepWarning {
  for (const c of checks) api.progress(`${c.status === 'pass' ? 'ok' : c.status}: ${c.title}${c.detail ? ` (${c.detail})` : ''}`);
  const failed = checks.find((c) => c.status === 'fail');
  if (failed) {
    throw new StepFailed(`prepare ${step}`, `${failed.title}: ${failed.detail ?? 'failed'}`, failed.hint ?? `fix it, or skip this step with --skip-prepare ${step} if you prepared it yourself`);
  }
  const warns = checks.filter((c) => c.status === 'warn').length;
  const detail = `${checks.filter((c) => c.status === 'pass').length} ok${warns ? `, ${warns} warning${warns > 1 ? 's' : ''}` : ''}`;
  return warns ? { detail, warn: true } : detail;
}

async function runJob(ctx: InstallContext, step: PrepareStepName, api: StepApi, flags: PrepareFlags): Promise<string | StepWarning> {
  const { prepareJob, prepareCredentialsSecret, checksFromJobLog, serverInCluster, PREPARE_JOB_SECONDS } = await import('../prepare/job.js');
  // The in-cluster MySQL and Redis roll out beside this Job (inClusterReadyStep waits for them and
  // explains a failure): the Job waits in its pod for its server as long as that step would.
  const waitForServerSeconds = serverInCluster(step, ctx.answers) ? Math.ceil(ctx.timeoutMs / 1000) : 0;
  const job = prepareJob(step, ctx.answers, 'apply', { waitForServerSeconds })!;
  const jobTimeoutMs = Math.min(ctx.timeoutMs, PREPARE_JOB_SECONDS * 1000) + waitForServerSeconds * 1000;
  const ns = ctx.answers.kubernetes.namespace;
  if (job.secret?.create) {
    const secret = prepareCredentialsSecret(ctx.answers, {
      mysqlPassword: job.secret.key === 'mysql-password' ? ctx.inlineSecrets.dbPassword : undefined,
      postgresPassword: job.secret.key === 'postgres-password' ? ctx.inlineSecrets.warehousePassword : undefined,
    });
    await ctx.kube.apply(resourcePath('Secret', ns, secret.metadata.name), secret as KubeObject, { signal: ctx.signal });
  }
  // A Job's pod template is immutable: replace an earlier run of the same name.
  await ctx.kube.delete(resourcePath('Job', ns, job.name), { signal: ctx.signal, propagationPolicy: 'Background' });
  for (const m of job.manifests) {
    await ctx.kube.apply(resourcePath(m.kind as 'ConfigMap' | 'Job', ns, m.metadata.name), m as KubeObject, { signal: ctx.signal });
    recordCreated(ctx, m.kind, m.metadata.name);
  }
  api.progress(`Job ${job.name} (${job.client} client) started`);
  const done = await KubeClient.poll(
    async () => {
      const j = await ctx.kube.get<Job>(resourcePath('Job', ns, job.name), { signal: ctx.signal });
      const cond = j?.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
      return cond ? { ok: cond.type === 'Complete', reason: cond.reason ?? cond.type, message: cond.message } : undefined;
    },
    { intervalMs: ctx.pollIntervalMs, timeoutMs: jobTimeoutMs, signal: ctx.signal },
  );
  const pods = await ctx.kube.list<Pod>(resourcePath('Pod', ns), { labelSelector: `job-name=${job.name}`, signal: ctx.signal });
  if (!done || !done.ok) {
    const why = pods.map(podProblem).find(Boolean) ?? done?.message ?? done?.reason ?? `not finished after ${Math.round(jobTimeoutMs / 1000)}s`;
    throw new StepFailed(`job/${job.name}`, `prepare ${step} failed: ${why}`, `kubectl logs -n ${ns} job/${job.name}; fix the cause, or skip it with --skip-prepare ${step}`);
  }
  let log = '';
  if (pods[0]) {
    const res = await ctx.kube.request({ method: 'GET', path: `${resourcePath('Pod', ns, pods[0].metadata.name)}/log`, signal: ctx.signal });
    log = res.status === 200 ? res.text : '';
  }
  if (!log.includes('BKTPREP')) {
    // The Job succeeded but its log is unreadable here (some API servers, and the simulator, do
    // not serve logs): the findings cannot be evaluated, so say so instead of passing silently,
    // and name the command that reads the log itself (doctor would need the same log).
    api.progress(`warn: Job ${job.name} completed, but its log could not be read here; read its findings (BKTPREP lines) with \`kubectl logs -n ${ns} job/${job.name}\``);
    return { detail: 'Job completed; findings not read (no pod log)', warn: true };
  }
  return stopOnFailure(step, checksFromJobLog(step, ctx.answers, log, 'apply', flags), api);
}

async function runDirect(ctx: InstallContext, step: PrepareStep, api: StepApi, flags: PrepareFlags): Promise<string | StepWarning> {
  const { googleTokenProvider, restClient } = await import('../prepare/adapters.js');
  const emulator = ctx.env.PUBSUB_EMULATOR_HOST;
  const token = emulator ? undefined : googleTokenProvider();
  const timeoutMs = 30_000;
  const checks = await step.apply({
    answers: ctx.answers,
    options: flags,
    signal: ctx.signal,
    timeoutMs,
    log: (line) => api.progress(line),
    pubsub: restClient({ baseUrl: emulator ? `http://${emulator}` : (ctx.env.BUCKETEER_INSTALL_GCP_ENDPOINT_PUBSUB ?? 'https://pubsub.googleapis.com'), token, timeoutMs, signal: ctx.signal }),
    bigquery: restClient({ baseUrl: ctx.env.BUCKETEER_INSTALL_GCP_ENDPOINT_BIGQUERY ?? 'https://bigquery.googleapis.com', token, timeoutMs, signal: ctx.signal }),
  });
  return stopOnFailure(step.name, checks, api);
}

/**
 * The prepare steps as install steps, minus the ones the user skipped, each in a lane of its own:
 * they touch different servers (the warehouse Job waits in its pod for the database the database
 * Job creates), so they run side by side.
 */
export async function installPrepareLanes(flags: PrepareFlags): Promise<Step[][]> {
  const { prepareSteps } = await import('../prepare/index.js');
  const { runsInCluster } = await import('../prepare/job.js');
  return PREPARE_STEP_NAMES.filter((name) => !flags.skip.includes(name)).map((name): Step[] => [
    {
      id: `prepare-${name}`,
      title: `Prepare ${name}`,
      async run(ctx, api) {
        const step = prepareSteps(ctx.answers).find((s) => s.name === name)!;
        api.progress(step.describe(ctx.answers));
        return runsInCluster(name, ctx.answers) ? runJob(ctx, name, api, flags) : runDirect(ctx, step, api, flags);
      },
    },
  ]);
}
