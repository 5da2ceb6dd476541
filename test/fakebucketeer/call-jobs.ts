// Plays the container of the installer's call Jobs (src/bootstrap/job-transport.ts) in the
// Kubernetes simulator, which runs no containers: for each new Job it does what the curl script
// would (read the credential from the referenced Secret, call the fake gateway) and gives the
// Job the log line the script would print.
import type { Kubesim } from '../kubesim/server.js';
import type { FakeBucketeer } from './server.js';

export interface CallJobRunner {
  /** Every Job spec seen, as JSON (to check that no secret is inline). */
  specs: string[];
  stop(): void;
}

export function runCallJobs(sim: Kubesim, fake: FakeBucketeer, namespace: string): CallJobRunner {
  const seen = new Set<string>();
  const specs: string[] = [];
  const timer = setInterval(() => {
    for (const job of sim.objects.list('job', namespace)) {
      const name = job.metadata.name;
      if (job.metadata.labels?.['app.kubernetes.io/component'] !== 'bucketeer-call' || seen.has(name)) continue;
      seen.add(name);
      specs.push(JSON.stringify(job));
      void (async () => {
        const c = job.spec.template.spec.containers[0] as { env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[]; volumeMounts: unknown[] };
        const env = Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
        const ref = c.env.find((e) => e.name === 'AUTH')!.valueFrom!.secretKeyRef;
        const secret = sim.objects.get('secret', namespace, ref.name) as { data?: Record<string, string> } | undefined;
        const certName = job.spec.template.spec.volumes[0].secret.secretName as string;
        const cert = sim.objects.get('secret', namespace, certName) as { data?: Record<string, string> } | undefined;
        let line: string;
        if (!secret?.data?.[ref.key]) line = `BKTCALL\terror\tsecret ${ref.name} has no key ${ref.key}`;
        else if (!cert?.data?.['tls.crt'] || !cert.data['tls.key']) line = `BKTCALL\terror\tno client certificate in ${certName}`;
        else {
          const url = new URL(env.URL);
          const base = url.hostname.startsWith('web.') ? fake.webUrl : fake.apiUrl;
          const res = await fetch(`${base}${url.pathname}${url.search}`, {
            method: env.METHOD,
            headers: { authorization: `${env.SCHEME}${Buffer.from(secret.data[ref.key], 'base64').toString('utf8')}`, 'content-type': 'application/json' },
            body: env.BODY || undefined,
          });
          line = `BKTCALL\t${res.status}\t${Buffer.from(await res.text()).toString('base64')}`;
        }
        sim.setJobLog(namespace, name, `${line}\n`);
      })();
    }
  }, 10);
  return { specs, stop: () => clearInterval(timer) };
}
