// What the review and final screens say, computed from the answers: pure, so tests read it too.
import { isAbsolute, relative } from 'node:path';
import { stringify } from 'yaml';
import { mysqlWarehouseDatabase, type Answers, type SecretRef } from '../answers/schema.js';
import { describeRef } from '../answers/secrets.js';
import { buildPlan } from '../plan/index.js';
import { DEMO_PASSWORD_PUBLIC } from '../plan/values.js';
import { platformById } from '../platforms/index.js';
import { detectedFor, detection, SECRETS, type SecretId, type Values } from './flow.js';
import type { WizardFact } from './ports.js';

export function summaryRows(a: Answers): [string, string][] {
  const ref = (r: SecretRef | undefined) => (r ? describeRef(r) : 'generated');
  const rows: [string, string][] = [];
  rows.push(['Platform', platformById(a.platform).summary(a)]);
  rows.push(['Cluster', `${a.kubernetes.context ?? '(current context)'}, namespace ${a.kubernetes.namespace}`]);
  rows.push(['MySQL', a.database.mode === 'in-cluster' ? `in the cluster, password ${ref(a.database.password)}` : `${a.database.host}:${a.database.port}/${a.database.name} as ${a.database.user}, password ${ref(a.database.password)}`]);
  rows.push(['Redis', a.redis.mode === 'in-cluster' ? 'in the cluster' : `${a.redis.addr}${a.redis.clusterMode ? ' (cluster mode)' : ''}`]);
  rows.push(['Messaging', `${a.messaging.backend}, ordering ${a.messaging.ordering}${a.messaging.backend === 'redis-stream' ? `, ${a.messaging.partitions} partitions` : ''}`]);
  const w = a.warehouse;
  rows.push(['Warehouse', w.type === 'bigquery' ? `BigQuery ${w.dataset} (${w.location})` : w.type === 'postgres' ? `Postgres ${w.host}:${w.port}/${w.database}` : `MySQL, database ${mysqlWarehouseDatabase(a)}`]);
  rows.push(['Hosts', `${a.ingress.webHost}, ${a.ingress.apiHost} (TLS ${a.ingress.tls === 'self-signed' ? 'self-signed' : `Secret ${a.ingress.tls.secretName}`})`]);
  rows.push(['Sign-in', a.auth.google ? `Google, secret ${ref(a.auth.google.clientSecret)}` : `demo ${a.auth.demoSignIn.email}, password ${ref(a.auth.demoSignIn.password)}`]);
  rows.push(['Sizing', a.sizing]);
  return rows;
}

export interface WarningInput {
  answers: Answers;
  values: Values;
  facts: readonly WizardFact[];
  env: NodeJS.ProcessEnv;
  secretValues: Record<string, string>;
}

/** Quota, capacity and readiness warnings worth reading before saving. */
export function reviewWarnings(w: WarningInput): string[] {
  const out: string[] = [];
  const d = detection(w.facts);
  for (const f of d.failures) out.push(`${f.probe} probe failed: ${f.message}`);
  const cap = d.capacity.find((c) => c.sizing === w.answers.sizing);
  if (cap && !cap.fits) out.push(`sizing ${w.answers.sizing} does not fit the cluster: ${cap.detail}`);
  const redisPick = w.values['redis.source'];
  const policy = platformById(w.answers.platform).wizard?.managedRedis(detectedFor(w.facts)).find((c) => c.value === redisPick)?.maxmemoryPolicy;
  if (policy && policy !== 'noeviction') out.push(`Redis maxmemory-policy is ${policy}: set it to noeviction, or Redis drops events when full`);
  for (const name of unsetSecretEnvs(w)) out.push(`${name} is not set: export it before installing`);
  if (w.answers.auth.demoSignIn.enabled) out.push(DEMO_PASSWORD_PUBLIC);
  if (!d.clusterReachable) out.push('no cluster answered: you can render the files now and install later');
  return out;
}

/** Environment variables the answers' secrets come from that are neither exported nor typed in the wizard. */
export function unsetSecretEnvs(w: Pick<WarningInput, 'answers' | 'values' | 'env' | 'secretValues'>): string[] {
  return (Object.keys(SECRETS) as SecretId[])
    .filter((id) => w.values[`secret.${id}.how`] === 'env' && secretInUse(w.answers, id) && !w.env[SECRETS[id].env] && !w.secretValues[`secret.${id}.value`])
    .map((id) => SECRETS[id].env);
}

function secretInUse(a: Answers, id: SecretId): boolean {
  if (id === 'db') return Boolean(a.database.password);
  if (id === 'google') return Boolean(a.auth.google);
  if (id === 'demo') return Boolean(a.auth.demoSignIn.password);
  return a.warehouse.type === 'postgres';
}

/** The chart values with every secret masked, as YAML lines; or the reason they cannot be built. */
export function valuesPreview(a: Answers): { lines: string[]; error?: string } {
  try {
    return { lines: stringify(buildPlan(a).values).trimEnd().split('\n') };
  } catch (err) {
    return { lines: [], error: (err as Error).message };
  }
}

/** How to name a file in a command the user copies: relative to where they are when inside it. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export function replayCommand(answersPath: string, cwd: string): string {
  const p = displayPath(answersPath, cwd);
  return `npx bucketeer-install install --answers ${/[\s'"$`\\]/.test(p) ? `'${p.replace(/'/g, `'\\''`)}'` : p}`;
}
