// The wizard's questions as data. Each question records one raw string under its id; the answers
// are derived from those strings (buildDraft), so going back and changing the platform cannot
// leave a stale gcp or aws block behind. Defaults come from the probes' facts and each says where
// it came from. Pure: no React, no I/O.
import { ANSWER_DEFAULTS, CHART_VERSION, WAREHOUSE_DB_SUFFIX } from '../answers/schema.js';
import { deliversOrdering } from '../plan/ordering.js';
import { assertChartSafe, DEMO_PASSWORD_PUBLIC } from '../plan/values.js';
import { DEFAULT_NAMESPACE, DEFAULT_RELEASE } from '../settings.js';
import { PLATFORMS, platformOfCluster, type Platform, type PlatformId } from '../platforms/index.js';
import { issuesAt } from './validate.js';
import type { WizardDetected } from '../platforms/types.js';
import type { Sizing, WizardFact, WizardPresets } from './ports.js';

export type Values = Record<string, string>;

const DEFAULT_ORGANIZATION = ANSWER_DEFAULTS.bootstrap.organization.name;
const DB = ANSWER_DEFAULTS.database;

export type Section =
  | 'Platform'
  | 'Cloud'
  | 'Kubernetes'
  | 'Database'
  | 'Redis'
  | 'Messaging'
  | 'Warehouse'
  | 'Ingress'
  | 'Sign-in'
  | 'First organization'
  | 'Sizing';

export interface SelectItem {
  label: string;
  value: string;
  /** One line under the label: what it costs or means. */
  hint?: string;
  /** Other values this choice fills in (a discovered instance's host and port). */
  sets?: Values;
}

interface QuestionBase {
  id: string;
  section: Section;
  title: string;
  /** At most two short lines explaining why this matters. */
  help?: string[];
  /** Where the default came from, e.g. "found in project my-proj". */
  source?: string;
}

export interface SelectQuestion extends QuestionBase {
  kind: 'select';
  items: SelectItem[];
  initial: string;
}

export interface TextQuestion extends QuestionBase {
  kind: 'text';
  initial: string;
  placeholder?: string;
  /** Typed masked; the value is kept in memory (secretValues), never in values or answers. */
  mask?: boolean;
  /** The schema's message for this text, or undefined when it is acceptable. */
  validate(text: string): string | undefined;
}

export type Question = SelectQuestion | TextQuestion;

export interface FlowContext {
  facts: readonly WizardFact[];
  env: NodeJS.ProcessEnv;
  /** Install flags given with the wizard. */
  presets?: WizardPresets;
}

/** The secrets the wizard can ask for, with the env variable and file it suggests for each. */
export const SECRETS = {
  db: { label: 'MySQL password', env: 'BUCKETEER_DB_PASSWORD', file: 'bucketeer-secrets/db-password', path: ['database', 'password'], secretName: 'bucketeer-db', secretKey: 'password' },
  google: { label: 'Google OAuth client secret', env: 'GOOGLE_CLIENT_SECRET', file: 'bucketeer-secrets/google-client-secret', path: ['auth', 'google', 'clientSecret'], secretName: 'bucketeer-google-oauth', secretKey: 'client-secret' },
  demo: { label: 'demo sign-in password', env: 'BUCKETEER_DEMO_PASSWORD', file: 'bucketeer-secrets/demo-password', path: ['auth', 'demoSignIn', 'password'], secretName: 'bucketeer-demo', secretKey: 'password' },
  wh: { label: 'Postgres password', env: 'BUCKETEER_WAREHOUSE_PASSWORD', file: 'bucketeer-secrets/warehouse-password', path: ['warehouse', 'password'], secretName: 'bucketeer-warehouse', secretKey: 'password' },
} as const;
export type SecretId = keyof typeof SECRETS;

// ---- detection helpers -------------------------------------------------------------------

type FactOf<K extends WizardFact['kind']> = Extract<WizardFact, { kind: K }>;
const all = <K extends WizardFact['kind']>(facts: readonly WizardFact[], kind: K) => facts.filter((f): f is FactOf<K> => f.kind === kind);
const one = <K extends WizardFact['kind']>(facts: readonly WizardFact[], kind: K) => all(facts, kind)[0];

export function detection(facts: readonly WizardFact[]) {
  const kube = one(facts, 'kube-context');
  return {
    kube,
    /** A cluster answered: installing now is possible. */
    clusterReachable: Boolean(kube && kube.reachable !== false),
    capacity: all(facts, 'capacity'),
    failures: all(facts, 'probe-failed'),
  };
}

/** What the probes found, as the platforms' questions and choices read it. */
export const detectedFor = (facts: readonly WizardFact[]): WizardDetected => ({ kubeContext: one(facts, 'kube-context')?.context, findings: facts });

/** The platform the recorded values chose, if any. */
const platformIn = (v: Values) => PLATFORMS.find((p) => p.id === v.platform);

// ---- the answers draft -------------------------------------------------------------------

const num = (s: string | undefined) => (s === undefined || s === '' ? undefined : /^\d+$/.test(s) ? Number(s) : s);
const opt = (s: string | undefined) => (s === undefined || s === '' ? undefined : s);

export function secretRef(v: Values, id: SecretId): { env: string } | { file: string } | { secret: { name: string; key: string } } | undefined {
  const how = v[`secret.${id}.how`];
  if (how === 'env') return { env: SECRETS[id].env };
  if (how === 'file') return { file: SECRETS[id].file };
  // Until both are answered the suggested name and key stand in, so each field is checked alone.
  if (how === 'secret') return { secret: { name: v[`secret.${id}.name`] ?? SECRETS[id].secretName, key: v[`secret.${id}.key`] ?? SECRETS[id].secretKey } };
  return undefined;
}

/**
 * The answers (schema input shape) that the recorded values describe. Sections whose first
 * question has not been answered are left out.
 */
export function buildDraft(v: Values, presets: WizardPresets = {}): Record<string, unknown> {
  const platform = v.platform as PlatformId | undefined;
  const a: Record<string, unknown> = { version: 1, platform };
  Object.assign(a, platformIn(v)?.wizard?.draft(v));
  a.kubernetes = { context: opt(v['kube.context']), namespace: v['kube.namespace'] ?? DEFAULT_NAMESPACE };
  a.release = { name: presets.release ?? DEFAULT_RELEASE, chart: presets.chart, version: presets.chartVersion ?? CHART_VERSION };
  if (v['db.source'] !== undefined) {
    a.database =
      v['db.source'] === 'in-cluster'
        ? { mode: 'in-cluster', password: secretRef(v, 'db'), storage: DB.storage }
        : { mode: 'external', host: v['db.host'], port: num(v['db.port']) ?? DB.port, name: v['db.name'] ?? DB.name, user: v['db.user'] ?? DB.user, password: secretRef(v, 'db') };
  }
  if (v['redis.source'] !== undefined) {
    a.redis = v['redis.source'] === 'in-cluster' ? { mode: 'in-cluster', storage: ANSWER_DEFAULTS.redis.storage } : { mode: 'external', addr: v['redis.addr'], clusterMode: v['redis.cluster'] === 'on' };
  }
  const backend = messagingBackend(v);
  if (v['msg.ordering'] !== undefined) {
    a.messaging = {
      backend,
      ordering: v['msg.ordering'],
      partitions: backend === 'redis-stream' ? (num(v['msg.partitions']) ?? ANSWER_DEFAULTS.messaging.partitions) : undefined,
      expectedEventsPerSecond: num(v['msg.eps']),
    };
  }
  const wh = v['wh.type'];
  // Written only when it differs from the default, so the warehouse keeps following database.name
  // and the saved file stays as short as the defaults allow.
  if (wh === 'mysql') a.warehouse = { type: 'mysql', database: v['wh.mysqlDatabase'] !== mysqlWarehouseDefault(v) ? opt(v['wh.mysqlDatabase']) : undefined };
  if (wh === 'bigquery') a.warehouse = { type: 'bigquery', dataset: v['wh.dataset'], location: v['wh.location'] };
  if (wh === 'postgres') {
    a.warehouse = { type: 'postgres', host: v['wh.host'], port: num(v['wh.port']) ?? ANSWER_DEFAULTS.postgresWarehouse.port, database: v['wh.database'], user: v['wh.user'], password: secretRef(v, 'wh') };
  }
  if (v['ing.web'] !== undefined) {
    a.ingress = {
      webHost: v['ing.web'],
      apiHost: v['ing.api'],
      tls: v['ing.tls'] === 'secret' ? { secretName: v['ing.tlsSecret'] } : 'self-signed',
      staticIPNames: undefined,
      ...platformIn(v)?.wizard?.ingressDraft?.(v),
    };
  }
  if (v['auth.method'] === 'google') a.auth = { google: { clientId: v['auth.clientId'], clientSecret: secretRef(v, 'google') } };
  if (v['auth.method'] === 'demo') a.auth = { demoSignIn: { enabled: true, email: v['auth.demoEmail'], password: secretRef(v, 'demo') } };
  // The first organization: only what differs from the defaults is written, so a saved file
  // stays as short as the defaults allow (the owner defaults to the demo sign-in email).
  const orgName = v['boot.org'];
  const owner = v['boot.owner'];
  const bootstrap: Record<string, unknown> = {};
  if (orgName !== undefined && orgName !== DEFAULT_ORGANIZATION) bootstrap.organization = { name: orgName };
  if (owner !== undefined && owner !== (v['auth.method'] === 'demo' ? v['auth.demoEmail'] : undefined)) bootstrap.ownerEmail = owner;
  if (Object.keys(bootstrap).length) a.bootstrap = bootstrap;
  if (v.sizing !== undefined) a.sizing = v.sizing;
  return a;
}

/** The MySQL warehouse database the schema derives when none is given: <database.name>_warehouse. */
const mysqlWarehouseDefault = (v: Values) => `${(v['db.source'] !== 'in-cluster' && v['db.name']) || DB.name}${WAREHOUSE_DB_SUFFIX}`;

export function messagingBackend(v: Values): 'google-pubsub' | 'redis-stream' {
  return platformIn(v)?.googleServices && v['msg.backend'] === 'google-pubsub' ? 'google-pubsub' : 'redis-stream';
}

// ---- the questions -----------------------------------------------------------------------

function text(
  v: Values,
  q: Omit<TextQuestion, 'kind' | 'validate' | 'initial'> & { initial?: string; path?: string[]; optional?: boolean },
): TextQuestion {
  const { path, optional, ...rest } = q;
  return {
    ...rest,
    kind: 'text',
    initial: v[q.id] ?? q.initial ?? '',
    validate: (t) => {
      if (t === '') return optional ? undefined : 'is required';
      if (!path) return undefined;
      const candidate = buildDraft({ ...v, [q.id]: t });
      return issuesAt(candidate, path)[0];
    },
  };
}

function select(v: Values, q: Omit<SelectQuestion, 'kind' | 'initial'> & { initial?: string }): SelectQuestion {
  const recorded = v[q.id];
  const initial = recorded !== undefined && q.items.some((i) => i.value === recorded) ? recorded : (q.initial ?? q.items[0].value);
  return { ...q, kind: 'select', initial };
}

function secretQuestions(v: Values, ctx: FlowContext, id: SecretId, section: Section, opts: { generate?: boolean } = {}): Question[] {
  const s = SECRETS[id];
  const envSet = Boolean(ctx.env[s.env]);
  const items: SelectItem[] = [
    ...(opts.generate ? [{ label: 'Generate one', value: 'generate', hint: 'stored only in a Secret in the cluster' }] : []),
    { label: `Environment variable ${s.env}`, value: 'env', hint: envSet ? `${s.env} is set in this shell` : `set it before each install; typed now, it is kept in memory only` },
    { label: `A 0600 file: ${s.file}`, value: 'file', hint: 'type it now; written next to the answers file, readable only by you' },
    { label: 'A Kubernetes Secret in the namespace', value: 'secret', hint: 'one you manage (External Secrets, Sealed Secrets, kubectl); read at install time' },
  ];
  const qs: Question[] = [
    select(v, {
      id: `secret.${id}.how`,
      section,
      title: `Where should the ${s.label} come from?`,
      help: ['The answers file keeps only a reference to it, never the value.'],
      items,
      initial: envSet ? 'env' : opts.generate ? 'generate' : 'env',
      source: envSet ? `${s.env} is set` : undefined,
    }),
  ];
  const how = v[`secret.${id}.how`];
  if (how === 'secret') {
    qs.push(
      text(v, { id: `secret.${id}.name`, section, title: `Name of the Secret that holds the ${s.label}`, help: ['It must exist in the release namespace when you install.'], initial: s.secretName, path: [...s.path, 'secret', 'name'] }),
      text(v, { id: `secret.${id}.key`, section, title: `Key in that Secret`, initial: s.secretKey, path: [...s.path, 'secret', 'key'] }),
    );
  }
  if (how === 'file' || (how === 'env' && !envSet)) {
    const field = text(v, {
        id: `secret.${id}.value`,
        section,
        title: `Type the ${s.label}`,
        help: how === 'file' ? [`Saved to ${s.file} (mode 0600) next to the answers file.`] : [`Kept in memory for this install only. For replays: export ${s.env}=...`, 'Leave empty to set it yourself before installing.'],
        mask: true,
        optional: how === 'env',
      });
    qs.push({ ...field, validate: (t) => field.validate(t) ?? secretTextProblem(t) });
  }
  return qs;
}

/** Secrets reach the chart inside double quotes: refuse what would break it, at the field. */
export function secretTextProblem(text: string): string | undefined {
  try {
    assertChartSafe(text, 'the value');
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/; the Bucketeer chart.*$/, ': the chart cannot quote it');
  }
}

/** A choice of a select; googleServices: it needs Bucketeer's Google Cloud clients (Pub/Sub, BigQuery). */
type Offer = SelectItem & { googleServices?: boolean };

/** The message buses, the first offered being the default. */
const MESSAGING_BACKENDS: Offer[] = [
  { label: 'Google Pub/Sub', value: 'google-pubsub', hint: 'managed; topics and subscriptions are created for you', googleServices: true },
  { label: 'Redis Streams', value: 'redis-stream', hint: 'no extra service; load lands on your Redis' },
];

/** The experiment-event warehouses, the first offered being the default. */
const WAREHOUSES: Offer[] = [
  { label: 'BigQuery', value: 'bigquery', hint: 'serverless; billed per query and storage', googleServices: true },
  { label: 'MySQL', value: 'mysql', hint: 'tables in the same MySQL database; fine for modest traffic' },
  { label: 'PostgreSQL', value: 'postgres', hint: 'a separate Postgres you run' },
];

/** The choices a platform can take: those needing Google Cloud clients only where it has them. */
function offeredOn(platform: Platform | undefined, offers: readonly Offer[]): SelectItem[] {
  return offers.filter((o) => !o.googleServices || platform?.googleServices).map(({ googleServices: _, ...item }) => item);
}

function sizingHint(size: Sizing, ctx: FlowContext): string {
  const base = { small: 'one replica each; trials and small teams', medium: 'api and web autoscale 2-4; most production installs', large: 'bigger requests and CPU limits; heavy traffic' }[size];
  const cap = detection(ctx.facts).capacity.find((c) => c.sizing === size);
  return cap ? `${base} · ${cap.fits ? 'fits' : 'does NOT fit'}: ${cap.detail}` : base;
}

export function questionsFor(v: Values, ctx: FlowContext): Question[] {
  const d = detection(ctx.facts);
  const qs: Question[] = [];

  // Platform
  // The managed cluster in use decides; else the first platform whose credentials the probes found.
  const managed = d.kube && platformOfCluster(d.kube.platform);
  const byCredentials = d.kube ? undefined : PLATFORMS.map((p) => ({ p, identity: p.wizard?.identity(ctx.facts) })).find((x) => x.identity);
  const platformDefault = d.kube ? (managed?.id ?? 'other') : (byCredentials?.p.id ?? 'other');
  const platformSource = d.kube ? `${managed ? `${d.kube.platform.toUpperCase()} ` : ''}context ${d.kube.context}` : (byCredentials?.identity ?? 'nothing detected');
  qs.push(
    select(v, {
      id: 'platform',
      section: 'Platform',
      title: 'Where does the cluster run?',
      items: PLATFORMS.map((p) => ({ ...p.choice, value: p.id })),
      initial: platformDefault,
      source: platformSource,
    }),
  );
  const chosen = platformIn(v);

  // Cloud
  const detected = detectedFor(ctx.facts);
  qs.push(...(chosen?.wizard?.cloudQuestions({ values: v, env: ctx.env, detected, text: (q) => text(v, { ...q, section: 'Cloud' }) }) ?? []));

  // Kubernetes
  const presets = ctx.presets ?? {};
  if (d.kube || presets.kubeContext) {
    // The probes ran against --kube-context when it was given, so the detected context is that one.
    const context = presets.kubeContext ?? d.kube!.context;
    const hint = d.kube?.context !== context ? 'not probed' : d.kube.reachable === false ? 'did not answer just now' : 'reachable';
    qs.push(
      select(v, {
        id: 'kube.context',
        section: 'Kubernetes',
        title: 'Which kubeconfig context should the install use?',
        items: [
          { label: context, value: context, hint },
          { label: 'Do not pin a context', value: '', hint: 'use whatever context is current when the install runs' },
        ],
        initial: context,
        source: presets.kubeContext ? 'from --kube-context' : 'the current context in your kubeconfig',
      }),
    );
  }
  qs.push(
    text(v, {
      id: 'kube.namespace',
      section: 'Kubernetes',
      title: 'Namespace for Bucketeer',
      initial: presets.namespace ?? DEFAULT_NAMESPACE,
      source: presets.namespace ? 'from --namespace' : 'the chart default',
      path: ['kubernetes', 'namespace'],
    }),
  );

  // Database
  const dbFound: SelectItem[] = chosen?.wizard?.managedMysql(detected) ?? [];
  qs.push(
    select(v, {
      id: 'db.source',
      section: 'Database',
      title: 'Where does MySQL 8 live?',
      help: ['Bucketeer keeps flags, experiments and accounts in MySQL 8.'],
      items: [
        ...dbFound,
        { label: 'Another MySQL: enter its host', value: 'manual', hint: 'needs log_bin_trust_function_creators=1', sets: { 'db.host': '', 'db.port': String(DB.port) } },
        { label: 'In the cluster', value: 'in-cluster', hint: `a MySQL 8 StatefulSet with a ${DB.storage} volume; simplest, you run the backups` },
      ],
      initial: dbFound[0]?.value ?? (chosen?.middlewareInCluster ? 'in-cluster' : 'manual'),
      source: dbFound.length ? `${chosen!.wizard!.foundIn(detected)}${dbFound.length > 1 ? ` (${dbFound.length} instances)` : ''}` : 'no managed MySQL found',
    }),
  );
  if (v['db.source'] === 'manual') {
    qs.push(text(v, { id: 'db.host', section: 'Database', title: 'MySQL host (name or IP, no port)', path: ['database', 'host'], placeholder: '10.0.0.5' }));
    qs.push(text(v, { id: 'db.port', section: 'Database', title: 'MySQL port', initial: String(DB.port), path: ['database', 'port'] }));
  }
  if (v['db.source'] !== undefined && v['db.source'] !== 'in-cluster') {
    qs.push(text(v, { id: 'db.name', section: 'Database', title: 'Database name', initial: DB.name, path: ['database', 'name'] }));
    qs.push(text(v, { id: 'db.user', section: 'Database', title: 'MySQL user', initial: DB.user, path: ['database', 'user'] }));
  }
  if (v['db.source'] !== undefined) qs.push(...secretQuestions(v, ctx, 'db', 'Database', { generate: v['db.source'] === 'in-cluster' }));

  // Redis
  const redisFound: SelectItem[] = chosen?.wizard?.managedRedis(detected) ?? [];
  qs.push(
    select(v, {
      id: 'redis.source',
      section: 'Redis',
      title: 'Where does Redis (6.2 or later) live?',
      help: ['Redis holds the event streams: any maxmemory-policy but noeviction silently drops events when memory fills.'],
      items: [
        ...redisFound,
        { label: 'Another Redis: enter HOST:PORT', value: 'manual', hint: 'set maxmemory-policy noeviction on it', sets: { 'redis.addr': '' } },
        { label: 'In the cluster', value: 'in-cluster', hint: `a Redis 7 StatefulSet with AOF and noeviction, ${ANSWER_DEFAULTS.redis.storage} volume` },
      ],
      initial: redisFound[0]?.value ?? (chosen?.middlewareInCluster ? 'in-cluster' : 'manual'),
      source: redisFound.length ? `${chosen!.wizard!.foundIn(detected)}${redisFound.length > 1 ? ` (${redisFound.length} instances)` : ''}` : 'no managed Redis found',
    }),
  );
  if (v['redis.source'] === 'manual') {
    qs.push(text(v, { id: 'redis.addr', section: 'Redis', title: 'Redis address (HOST:PORT)', path: ['redis', 'addr'], placeholder: '10.0.1.5:6379' }));
    qs.push(
      select(v, {
        id: 'redis.cluster',
        section: 'Redis',
        title: 'Is it a Redis Cluster (cluster mode enabled)?',
        items: [
          { label: 'No, a single primary', value: 'off' },
          { label: 'Yes, cluster mode', value: 'on', hint: 'keys spread over shards' },
        ],
      }),
    );
  }

  // Messaging: a choice only where Bucketeer's Google Cloud clients are (Pub/Sub or Redis Streams)
  const backends = offeredOn(chosen, MESSAGING_BACKENDS);
  if (backends.length > 1) {
    qs.push(select(v, { id: 'msg.backend', section: 'Messaging', title: 'Which message bus carries events between services?', items: backends, source: `GCP project detected` }));
  }
  const backend = messagingBackend(v);
  qs.push(
    select(v, {
      id: 'msg.ordering',
      section: 'Messaging',
      title: 'Which ordering should messaging be set up for?',
      help: [
        backend === 'google-pubsub' ? 'Google Pub/Sub' : 'Redis Streams (Bucketeer v2.3 has no SQS/SNS support)',
        ...(deliversOrdering(CHART_VERSION)
          ? []
          : [
              backend === 'google-pubsub'
                ? `Bucketeer ${CHART_VERSION} delivers events in any order: its publishers set no ordering keys. The other choice only prepares ordered subscriptions for a release that sets them.`
                : `Bucketeer ${CHART_VERSION} delivers events in any order: each event's partition is a hash of its message id, and the subscriber pods share one consumer group. The other choice changes no setting.`,
            ]),
      ],
      items:
        backend === 'google-pubsub'
          ? [
              { label: 'None', value: 'none', hint: `what Bucketeer ${CHART_VERSION} delivers: any order, highest throughput, lowest latency` },
              { label: 'Per key (for publishers that set ordering keys)', value: 'per-key', hint: 'subscriptions created with enableMessageOrdering: more latency and redelivery now, order only once publishers set keys' },
            ]
          : [
              { label: 'None', value: 'none', hint: `what Bucketeer ${CHART_VERSION} delivers: any consumer takes any event` },
              { label: 'Per partition (for publishers that partition by key)', value: 'per-partition', hint: 'recorded only: Redis Streams has no ordering setting' },
            ],
    }),
  );
  if (backend === 'redis-stream') {
    qs.push(text(v, { id: 'msg.partitions', section: 'Messaging', title: 'Number of stream partitions (1-256)', help: ['More partitions: more parallel consumers, more Redis memory.'], initial: String(ANSWER_DEFAULTS.messaging.partitions), path: ['messaging', 'partitions'] }));
  }
  qs.push(text(v, { id: 'msg.eps', section: 'Messaging', title: 'Expected events per second (optional)', help: ['Used to advise on ordering cost and sizing; leave empty if unknown.'], path: ['messaging', 'expectedEventsPerSecond'], optional: true, placeholder: '500' }));

  // Warehouse
  qs.push(
    select(v, {
      id: 'wh.type',
      section: 'Warehouse',
      title: 'Where should experiment events be stored for analysis?',
      items: offeredOn(chosen, WAREHOUSES),
    }),
  );
  if (v['wh.type'] === 'mysql') {
    qs.push(
      text(v, {
        id: 'wh.mysqlDatabase',
        section: 'Warehouse',
        title: 'MySQL database for the event tables',
        help: ['On the same MySQL server, apart from the migrated schema (a first migration refuses a database that holds tables).'],
        initial: mysqlWarehouseDefault(v),
        source: 'the database name + _warehouse',
        path: ['warehouse', 'database'],
      }),
    );
  }
  if (v['wh.type'] === 'bigquery') {
    qs.push(text(v, { id: 'wh.dataset', section: 'Warehouse', title: 'BigQuery dataset', initial: 'bucketeer_events', source: 'suggested', path: ['warehouse', 'dataset'] }));
    const region = chosen?.wizard?.region?.(v);
    qs.push(text(v, { id: 'wh.location', section: 'Warehouse', title: 'BigQuery location', initial: region?.value, source: region?.source, path: ['warehouse', 'location'] }));
  }
  if (v['wh.type'] === 'postgres') {
    qs.push(text(v, { id: 'wh.host', section: 'Warehouse', title: 'Postgres host', path: ['warehouse', 'host'] }));
    qs.push(text(v, { id: 'wh.port', section: 'Warehouse', title: 'Postgres port', initial: String(ANSWER_DEFAULTS.postgresWarehouse.port), path: ['warehouse', 'port'] }));
    qs.push(text(v, { id: 'wh.database', section: 'Warehouse', title: 'Postgres database', initial: DB.name, path: ['warehouse', 'database'] }));
    qs.push(text(v, { id: 'wh.user', section: 'Warehouse', title: 'Postgres user', initial: DB.user, path: ['warehouse', 'user'] }));
    qs.push(...secretQuestions(v, ctx, 'wh', 'Warehouse'));
  }

  // Ingress
  qs.push(text(v, { id: 'ing.web', section: 'Ingress', title: 'Host name of the admin console', placeholder: 'bucketeer.example.com', path: ['ingress', 'webHost'] }));
  const web = v['ing.web'];
  qs.push(text(v, { id: 'ing.api', section: 'Ingress', title: 'Host name SDKs call (the API)', initial: web ? `api.${web}` : undefined, source: web ? 'from the console host' : undefined, path: ['ingress', 'apiHost'] }));
  qs.push(
    select(v, {
      id: 'ing.tls',
      section: 'Ingress',
      title: 'TLS for both hosts',
      items: [
        { label: 'Self-signed', value: 'self-signed', hint: 'the generated service certificate via ssl-passthrough; browsers warn' },
        { label: 'An existing TLS Secret', value: 'secret', hint: 'e.g. from cert-manager, valid for both hosts' },
      ],
    }),
  );
  if (v['ing.tls'] === 'secret') {
    qs.push(text(v, { id: 'ing.tlsSecret', section: 'Ingress', title: 'Name of the TLS Secret (in the release namespace)', path: ['ingress', 'tls', 'secretName'] }));
  }
  qs.push(...(chosen?.wizard?.ingressQuestions?.({ text: (q) => text(v, { ...q, section: 'Ingress' }) }) ?? []));

  // Sign-in
  qs.push(
    select(v, {
      id: 'auth.method',
      section: 'Sign-in',
      title: 'How will people sign in to the console?',
      items: [
        { label: 'Google sign-in', value: 'google', hint: 'an OAuth client from the Google Cloud console' },
        { label: 'Demo sign-in', value: 'demo', hint: 'one email and password for trials; the password is public (written into the console\'s env.js)' },
      ],
      // Any Kubernetes without a cloud (often a trial) starts with the demo sign-in.
      initial: chosen && !chosen.wizard ? 'demo' : 'google',
    }),
  );
  if (v['auth.method'] === 'google') {
    qs.push(
      text(v, {
        id: 'auth.clientId',
        section: 'Sign-in',
        title: 'Google OAuth client id',
        help: [`Redirect URI to register: https://${web ?? 'WEB_HOST'}/auth/callback`],
        placeholder: '1234567890-abc.apps.googleusercontent.com',
        path: ['auth', 'google', 'clientId'],
      }),
    );
    qs.push(...secretQuestions(v, ctx, 'google', 'Sign-in'));
  }
  if (v['auth.method'] === 'demo') {
    qs.push(
      text(v, {
        id: 'auth.demoEmail',
        section: 'Sign-in',
        title: 'Demo sign-in email',
        help: [`Note: ${DEMO_PASSWORD_PUBLIC}.`, 'The demo organization is not a system admin (auth.demoSignIn.isSystemAdmin: false).'],
        placeholder: 'admin@example.com',
        path: ['auth', 'demoSignIn', 'email'],
      }),
    );
    qs.push(...secretQuestions(v, ctx, 'demo', 'Sign-in'));
  }

  // The first organization, created after the install through Bucketeer's API
  qs.push(
    text(v, {
      id: 'boot.org',
      section: 'First organization',
      title: 'Name of the first organization',
      help: ['Created after the install, with a project and the development and production environments; sign-in needs one.'],
      initial: DEFAULT_ORGANIZATION,
      source: 'default',
      path: ['bootstrap', 'organization', 'name'],
    }),
  );
  const demoEmail = v['auth.method'] === 'demo' ? v['auth.demoEmail'] : undefined;
  qs.push(
    text(v, {
      id: 'boot.owner',
      section: 'First organization',
      title: 'Owner email of the organization (its first admin)',
      initial: demoEmail,
      source: demoEmail ? 'the demo sign-in email' : undefined,
      placeholder: 'admin@example.com',
      path: ['bootstrap', 'ownerEmail'],
    }),
  );

  // Sizing
  const mediumFits = d.capacity.find((c) => c.sizing === 'medium')?.fits;
  qs.push(
    select(v, {
      id: 'sizing',
      section: 'Sizing',
      title: 'How big?',
      items: (['small', 'medium', 'large'] as const).map((s) => ({ label: s[0].toUpperCase() + s.slice(1), value: s, hint: sizingHint(s, ctx) })),
      initial: mediumFits ? 'medium' : 'small',
      source: mediumFits === undefined ? 'cluster capacity unknown' : mediumFits ? 'the cluster fits medium' : 'the cluster does not fit medium',
    }),
  );
  return qs;
}

/**
 * Where a question stands in the run, for the "n/total" counter. questionsFor lists only what the
 * answers so far decide, so a choice not made yet would hide the questions it leads to and the
 * total would jump as each is made. Counting as if every open choice takes its default gives the
 * path Enter-Enter-Enter follows: the total changes only when an answer leaves that path.
 */
export function progressOf(id: string, v: Values, ctx: FlowContext): { n: number; total: number } {
  let assumed = v;
  let qs = questionsFor(assumed, ctx);
  // The first open choice in question order, one per round, as the user meets them: an earlier
  // choice can change a later one's default or reveal another (bounded: each round settles one).
  for (let round = 0; round < 100; round++) {
    const q = qs.find((x): x is SelectQuestion => x.kind === 'select' && assumed[x.id] === undefined);
    if (!q) break;
    // As choosing it would (Wizard's onSelect): the default item's own settings, then the choice.
    assumed = { ...assumed, ...q.items.find((i) => i.value === q.initial)?.sets, [q.id]: q.initial };
    qs = questionsFor(assumed, ctx);
  }
  const i = qs.findIndex((q) => q.id === id);
  if (i >= 0) return { n: i + 1, total: qs.length };
  // Not on the default path (a question only an open choice's absence shows): count what is known.
  const known = questionsFor(v, ctx);
  return { n: known.findIndex((q) => q.id === id) + 1, total: known.length };
}
