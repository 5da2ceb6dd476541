// The fallback path to Bucketeer's gateways: one short Job per call in the release namespace (a
// curl image, like the prepare Jobs), for clusters whose API server may not or cannot proxy to
// the Services (private control planes, no services/proxy right, envoy asking for a client
// certificate). The Job dials the Service by its cluster DNS name over HTTP/2 with TLS,
// presenting the service certificate (envoy's listeners require a client certificate); the
// credential comes from its Secret through secretKeyRef, never inline in the Job; the status and
// the base64 body come back as one line of the pod's log.
import { randomBytes } from 'node:crypto';
import { Interrupted } from '../errors.js';
import { KubeClient, resourcePath } from '../kube/client.js';
import type { Job, KubeObject, Pod } from '../kube/types.js';
import type { GatewayRequest, GatewayResponse, Transport } from './transport.js';
import { Unreachable } from './transport.js';

export const CALL_IMAGE = 'curlimages/curl:8.11.1';
export const CALL_LABEL = 'bucketeer-call';
/** Service ports (chart values web.service.httpPort and api.service.externalPort, v2.3.0). */
export const GATEWAY_PORTS = { web: 9003, api: 9000 } as const;

const SCRIPT = `set -u
if [ -n "$BODY" ]; then set -- --data-binary "$BODY"; else set --; fi
if code=$(curl -sS --http2 --max-time "$MAX_TIME" --cacert /certs/tls.crt --cert /certs/tls.crt --key /certs/tls.key \\
  -X "$METHOD" -H "authorization: $SCHEME$AUTH" -H 'content-type: application/json' "$@" -o /tmp/body -w '%{http_code}' "$URL" 2>/tmp/err); then
  printf 'BKTCALL\\t%s\\t%s\\n' "$code" "$(base64 /tmp/body | tr -d '\\n')"
else
  printf 'BKTCALL\\terror\\t%s\\n' "$(tr '\\t\\n' '  ' < /tmp/err)"
fi
`;

export interface JobTransportOptions {
  release: string;
  /** Secret with tls.crt and tls.key (the service certificate). */
  serviceCertSecret: string;
  image?: string;
  /** images.registry and images.pullSecrets, applied to the Job like to the installer's other pods. */
  imagePolicy?: (job: Job) => Job;
  pollIntervalMs?: number;
}

export function jobTransport(kube: KubeClient, namespace: string, o: JobTransportOptions): Transport {
  return {
    via: 'a Job in the namespace (curl)',
    async call(req: GatewayRequest): Promise<GatewayResponse> {
      if (!req.authSecret) throw new Unreachable('the credential has no Secret to reference, and a Job never carries one inline', this.via);
      const name = `${o.release}-bucketeer-call-${randomBytes(3).toString('hex')}`.slice(0, 63);
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(req.query ?? {})) for (const x of v === undefined ? [] : Array.isArray(v) ? v : [v]) qs.append(k, x);
      const url = `https://${req.route.gateway}.${namespace}.svc.cluster.local:${GATEWAY_PORTS[req.route.gateway]}${req.route.path}${qs.size ? `?${qs}` : ''}`;
      const job = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'bucketeer-install', 'app.kubernetes.io/instance': o.release, 'app.kubernetes.io/component': CALL_LABEL } },
        spec: {
          backoffLimit: 0,
          ttlSecondsAfterFinished: 300,
          activeDeadlineSeconds: Math.ceil(req.timeoutMs / 1000) + 120,
          template: {
            metadata: { labels: { 'app.kubernetes.io/component': CALL_LABEL } },
            spec: {
              restartPolicy: 'Never',
              containers: [{
                name: 'call',
                image: o.image ?? CALL_IMAGE,
                command: ['sh', '-c', SCRIPT],
                env: [
                  { name: 'METHOD', value: req.route.method },
                  { name: 'URL', value: url },
                  { name: 'BODY', value: req.body === undefined ? '' : JSON.stringify(req.body) },
                  { name: 'MAX_TIME', value: String(Math.ceil(req.timeoutMs / 1000)) },
                  { name: 'SCHEME', value: req.authSecret.scheme ? `${req.authSecret.scheme} ` : '' },
                  { name: 'AUTH', valueFrom: { secretKeyRef: { name: req.authSecret.name, key: req.authSecret.key } } },
                ],
                volumeMounts: [{ name: 'certs', mountPath: '/certs', readOnly: true }],
              }],
              volumes: [{ name: 'certs', secret: { secretName: o.serviceCertSecret } }],
            },
          },
        },
      };
      const path = resourcePath('Job', namespace, name);
      const applied = o.imagePolicy ? o.imagePolicy(job as unknown as Job) : job;
      try {
        await kube.apply(path, applied as unknown as KubeObject, { signal: req.signal });
        // The pod must be scheduled and the image pulled: allow a minute beyond the call itself.
        const done = await KubeClient.poll(
          async () => {
            const j = await kube.get<Job>(path, { signal: req.signal });
            const c = j?.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
            return c ? c.type : undefined;
          },
          { intervalMs: o.pollIntervalMs ?? 1_000, timeoutMs: req.timeoutMs + 60_000, signal: req.signal },
        );
        if (!done) throw new Unreachable(`Job ${name} did not finish in ${Math.round((req.timeoutMs + 60_000) / 1000)}s`, this.via);
        const pods = await kube.list<Pod>(resourcePath('Pod', namespace), { labelSelector: `job-name=${name}`, signal: req.signal });
        const log = pods[0] ? await kube.request({ path: `${resourcePath('Pod', namespace, pods[0].metadata.name)}/log`, signal: req.signal }) : undefined;
        const line = log?.status === 200 ? log.text.split('\n').find((l) => l.startsWith('BKTCALL\t')) : undefined;
        if (!line) throw new Unreachable(`Job ${name} ${done === 'Failed' ? 'failed' : 'finished'} without a result line in its log`, this.via);
        const [, code, rest] = line.split('\t');
        if (code === 'error') throw new Unreachable(`curl: ${rest}`, this.via);
        const text = Buffer.from(rest ?? '', 'base64').toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        return { status: Number(code), body, text };
      } catch (e) {
        if (e instanceof Unreachable || e instanceof Interrupted) throw e;
        throw new Unreachable((e as Error).message, this.via);
      } finally {
        await kube.delete(path, { propagationPolicy: 'Background' }).catch(() => undefined);
      }
    },
  };
}

/** The first transport until it cannot reach the gateways at all; then the second, for good. */
export function withFallback(primary: Transport, secondary: Transport, onSwitch: (why: string) => void = () => {}): Transport {
  let current = primary;
  return {
    get via() {
      return current.via;
    },
    async call(req) {
      if (current === primary) {
        try {
          return await primary.call(req);
        } catch (e) {
          if (!(e instanceof Unreachable)) throw e;
          onSwitch(`${e.via}: ${e.message}`);
          current = secondary;
        }
      }
      return current.call(req);
    },
  };
}
