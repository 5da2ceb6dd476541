// The single definition of the answers file. The Answers type, the JSON Schema that editors use
// (`bucketeer-install schema`) and the wizard's inline validation all come from here.
import * as z from './zod.js';
import { DEFAULT_NAMESPACE, DEFAULT_RELEASE } from '../settings.js';

import { ATLAS_REVISIONS, CHART_REF, CHART_VERSION } from '../chart/facts.js';
import { PLATFORM_IDS, PLATFORMS, platformById, type AnswersBlock } from '../platforms/index.js';

export { CHART_REF, CHART_VERSION };

/**
 * Defaults the schema fills in that the wizard also offers as its initial answers, each written
 * once here. The Postgres warehouse's database and user have no default; the wizard suggests the
 * MySQL ones for them.
 */
export const ANSWER_DEFAULTS = {
  database: { port: 3306, name: 'bucketeer', user: 'bucketeer', storage: '20Gi' },
  redis: { storage: '10Gi' },
  messaging: { partitions: 16 },
  postgresWarehouse: { port: 5432 },
  bootstrap: { organization: { name: 'Bucketeer' }, project: { name: 'Default Project' }, environments: ['development', 'production'] },
} as const;

// RFC 1123 label: what Kubernetes accepts for a namespace; helm's release name rule is the same
// with a 53-character cap.
const dnsLabel = (what: string, max = 63) =>
  z
    .string({ error: `${what} must be a string` })
    .max(max, { error: `${what} must be at most ${max} characters` })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
      error: `${what} must be lower-case letters, digits and '-', starting and ending with a letter or digit`,
    });

// An RFC 1123 host name, as Ingress hosts require (no wildcard, no port, no scheme).
const hostName = z
  .string()
  .max(253, { error: 'a host name is at most 253 characters' })
  .regex(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, {
    error: 'must be a DNS name such as bucketeer.example.com (lower case, no scheme, no port)',
  });

// A host or IP a service can dial, without a port.
const networkHost = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$|^\[?[0-9a-fA-F:]+\]?$/, {
    error: 'must be a host name or IP address, without scheme or port',
  });

const port = z
  .number({ error: 'must be a port number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be between 1 and 65535' })
  .max(65535, { error: 'must be between 1 and 65535' });

const hostPort = z.string().regex(/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?:([0-9]{1,5})$/, {
  error: 'must be HOST:PORT, e.g. 10.0.1.5:6379',
}).refine((v) => {
  const p = Number(v.split(':').pop());
  return p >= 1 && p <= 65535;
}, { error: 'the port must be between 1 and 65535' });

// Organization, project and environment ids: Bucketeer generates UUIDs for its own, and the
// upstream development setup uses `demo`; both fit lower-case letters, digits and '-'.
const bucketeerId = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,62}[a-z0-9])?$/, {
  error: "must be 1-64 lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. demo or a UUID)",
});

const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name such as BUCKETEER_DB_PASSWORD' });

const LITERAL_SECRET_MESSAGE =
  'a literal secret is not allowed in the answers file; write {env: VAR_NAME}, {file: PATH} or {secret: {name, key}} instead';

/** Where a secret's value comes from; the value itself never appears in an answers file. */
export const SecretRef = z.union(
  [
    z.strictObject({ env: envVarName }).describe('read from an environment variable'),
    z.strictObject({ file: z.string().min(1) }).describe('read from a file (relative to the answers file)'),
    z
      .strictObject({
        secret: z.strictObject({ name: dnsLabel('secret.name', 253), key: z.string().min(1).regex(/^[-._a-zA-Z0-9]+$/, { error: 'must be a Secret data key' }) }),
      })
      .describe('an existing Kubernetes Secret in the release namespace'),
  ],
  {
    error: (issue) =>
      typeof issue.input === 'string' || typeof issue.input === 'number'
        ? LITERAL_SECRET_MESSAGE
        : 'must be {env: VAR_NAME}, {file: PATH} or {secret: {name, key}}',
  },
);
export type SecretRef = z.infer<typeof SecretRef>;

// Each platform's own block (`gcp: {...}`, `aws: {...}`), under its id, from the platform list.
// Optional here: the chosen platform's validate requires its block, and the Google-service rules
// below read the gcp block on any platform.
type PlatformBlocks = {
  [P in (typeof PLATFORMS)[number] as P['answersBlock'] extends AnswersBlock ? P['id'] : never]: z.ZodOptional<ReturnType<Extract<P['answersBlock'], AnswersBlock>>>;
};
const platformBlocks = Object.fromEntries(PLATFORMS.flatMap((p) => (p.answersBlock ? [[p.id, p.answersBlock(z).optional()]] : []))) as PlatformBlocks;

const Kubernetes = z.strictObject({
  context: z.string().min(1).optional().describe('kubeconfig context; default: the current context'),
  namespace: dnsLabel('kubernetes.namespace').default(DEFAULT_NAMESPACE),
});

const Release = z.strictObject({
  name: dnsLabel('release.name', 53).default(DEFAULT_RELEASE),
  // helm would read a reference starting with "-" as a flag (`--chart=--help`).
  chart: z
    .string()
    .regex(/^[^-]/, { error: 'must be an OCI reference, repo/chart, a chart folder or a .tgz, and cannot start with "-" (write ./-name for such a folder)' })
    .default(CHART_REF)
    .describe('OCI reference, repo/chart of a helm repository (helm repo add), local directory or .tgz'),
  version: z
    .string()
    .regex(/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, { error: 'must be a chart version such as v2.3.0' })
    .default(CHART_VERSION),
});

const mysqlDatabaseName = z.string().regex(/^[A-Za-z0-9_]{1,64}$/, { error: 'must be a MySQL database name (letters, digits, _; at most 64)' });

const Database = z
  .strictObject({
    mode: z.enum(['external', 'in-cluster']).describe('external: Cloud SQL, RDS or any MySQL 8; in-cluster: a MySQL 8 StatefulSet next to Bucketeer'),
    host: networkHost.optional().describe('required when mode is external'),
    port: port.default(ANSWER_DEFAULTS.database.port),
    name: mysqlDatabaseName.default(ANSWER_DEFAULTS.database.name),
    user: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, { error: 'must be a MySQL user name (letters, digits, _ . -; at most 32)' }).default(ANSWER_DEFAULTS.database.user),
    password: SecretRef.optional().describe('required when mode is external; in-cluster generates one when unset'),
    /** Atlas revision already applied; unset for a new, empty database (atlas marks the baseline applied, so a baselined empty database never gets its schema). */
    baseline: z.string().regex(/^\d{14}$/, { error: 'must be an atlas revision such as 20240626022133' }).optional(),
    storage: z.string().regex(/^\d+(Gi|Mi|Ti)$/, { error: 'must be a size such as 20Gi' }).default(ANSWER_DEFAULTS.database.storage).describe('in-cluster only: PVC size'),
  })
  .superRefine((db, ctx) => {
    if (db.mode === 'external') {
      if (!db.host) ctx.addIssue({ code: 'custom', path: ['host'], message: 'database.host is required when database.mode is external' });
      if (!db.password) ctx.addIssue({ code: 'custom', path: ['password'], message: 'database.password is required when database.mode is external' });
    }
  });

const Redis = z
  .strictObject({
    mode: z.enum(['external', 'in-cluster']).describe('external: Memorystore, ElastiCache or any Redis >= 6.2 with maxmemory-policy noeviction'),
    addr: hostPort.optional().describe('HOST:PORT; required when mode is external'),
    clusterMode: z.boolean().default(false),
    storage: z.string().regex(/^\d+(Gi|Mi|Ti)$/, { error: 'must be a size such as 10Gi' }).default(ANSWER_DEFAULTS.redis.storage).describe('in-cluster only: PVC size'),
  })
  .superRefine((r, ctx) => {
    if (r.mode === 'external' && !r.addr) ctx.addIssue({ code: 'custom', path: ['addr'], message: 'redis.addr is required when redis.mode is external' });
  });

const Messaging = z
  .strictObject({
    backend: z.enum(['google-pubsub', 'redis-stream']),
    ordering: z
      .enum(['none', 'per-partition', 'per-key'])
      .default('none')
      .describe(
        'none: what Bucketeer v2.3.0 delivers on either backend (its publishers set no ordering keys; Redis Streams picks the partition by a hash of the message id and the subscriber pods share one consumer group). ' +
          'The others are settings for a release whose publishers set keys: per-key (google-pubsub) creates the subscriptions with enableMessageOrdering, which cannot be changed later without recreating them; per-partition (redis-stream) changes no setting.',
      ),
    partitions: z.number().int().min(1, { error: 'must be between 1 and 256' }).max(256, { error: 'must be between 1 and 256' }).default(ANSWER_DEFAULTS.messaging.partitions),
    /** Expected events per second, used to advise on ordering cost and sizing. */
    expectedEventsPerSecond: z.number().int().min(0).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.backend === 'google-pubsub' && m.ordering === 'per-partition') {
      ctx.addIssue({ code: 'custom', path: ['ordering'], message: 'per-partition is a redis-stream guarantee; with google-pubsub use none or per-key' });
    }
    if (m.backend === 'redis-stream' && m.ordering === 'per-key') {
      ctx.addIssue({ code: 'custom', path: ['ordering'], message: 'per-key needs google-pubsub ordered subscriptions; with redis-stream use per-partition or none' });
    }
  });

const Warehouse = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('mysql'),
      database: mysqlDatabaseName
        .optional()
        .describe(
          'MySQL database for evaluation_event and goal_event, on the server of `database`; default: <database.name>_warehouse. ' +
            'Equal to database.name only for an install made before this setting existed (its tables already sit beside the migrated schema): a first install refuses it, because the first migration refuses a database that holds tables',
        ),
    })
    .describe('event tables in a MySQL database of their own, on the operational MySQL server'),
  z.strictObject({
    type: z.literal('bigquery'),
    project: z.string().min(1).optional().describe('must equal gcp.project (the default): web queries BigQuery only in its own project'),
    dataset: z.string().regex(/^[A-Za-z0-9_]{1,1024}$/, { error: 'must be a BigQuery dataset id (letters, digits, _)' }),
    location: z.string().min(2).describe('e.g. asia-northeast1 or US'),
  }),
  z.strictObject({
    type: z.literal('postgres'),
    host: networkHost,
    port: port.default(ANSWER_DEFAULTS.postgresWarehouse.port),
    database: z.string().min(1),
    user: z.string().min(1),
    password: SecretRef,
  }),
], { error: 'warehouse.type must be mysql, bigquery or postgres' });

const Ingress = z.strictObject({
  webHost: hostName.describe('host of the admin console'),
  apiHost: hostName.describe('host SDKs call'),
  tls: z
    .union([z.literal('self-signed'), z.strictObject({ secretName: dnsLabel('ingress.tls.secretName', 253) })])
    .default('self-signed')
    .describe('self-signed: the generated service certificate through ssl-passthrough; or an existing TLS Secret for both hosts'),
  /** GCP only: reserved global static IP names for the gce Ingress. */
  staticIPNames: z.strictObject({ web: z.string().min(1), api: z.string().min(1) }).optional(),
});

const Auth = z.strictObject({
  google: z
    .strictObject({
      clientId: z.string().regex(/^[^\s"\\]+$/, { error: 'must be an OAuth client id without spaces or quotes' }),
      clientSecret: SecretRef,
    })
    .optional(),
  // Bucketeer's web service (PrepareDemoUser) creates the demo organization, project,
  // environment and account at start-up only when all three ids are set; the ids are stored as
  // given. The password is also written into the console's public /static/js/env.js.
  demoSignIn: z
    .strictObject({
      enabled: z.boolean().default(false),
      email: z.email().optional(),
      password: SecretRef.optional().describe('shown to anyone who opens the console: the chart writes it into /static/js/env.js, served without sign-in'),
      organizationId: bucketeerId.default('demo').describe('id of the demo organization Bucketeer creates at start-up'),
      projectId: bucketeerId.default('demo').describe('id of the demo project Bucketeer creates at start-up'),
      environmentId: bucketeerId.default('demo').describe('id of the demo environment Bucketeer creates at start-up'),
      organizationOwnerEmail: z.email().optional().describe('owner of the demo organization; default: email'),
      isSystemAdmin: z
        .boolean()
        .default(false)
        .describe('make the demo organization a system-admin organization (its members manage every organization); its password is public, so keep false'),
    })
    .default({ enabled: false, organizationId: 'demo', projectId: 'demo', environmentId: 'demo', isSystemAdmin: false }),
  /** Email of the first system administrator. */
  adminEmail: z.email().optional(),
});

// The first organization, project and environments that install creates through Bucketeer's API
// (src/bootstrap). Url codes follow Bucketeer's rule ^[a-z0-9-]{1,50}$; left out, they are derived
// from the names.
const bucketeerUrlCode = (what: string) => z.string().regex(/^[a-z0-9-]{1,50}$/, { error: `${what} must be 1-50 lower-case letters, digits or '-'` });
const Bootstrap = z.strictObject({
  organization: z
    .strictObject({
      name: z.string().trim().min(1).max(50, { error: 'bootstrap.organization.name is at most 50 characters' }),
      urlCode: bucketeerUrlCode('bootstrap.organization.urlCode').optional(),
    })
    .default(() => ({ ...ANSWER_DEFAULTS.bootstrap.organization })),
  /** Owner of the organization; defaults to auth.adminEmail, then auth.demoSignIn.email. */
  ownerEmail: z.email().optional(),
  project: z
    .strictObject({ name: z.string().trim().min(1).max(50), urlCode: bucketeerUrlCode('bootstrap.project.urlCode').optional() })
    .default(() => ({ ...ANSWER_DEFAULTS.bootstrap.project })),
  environments: z
    .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _-]{0,49}$/, { error: 'an environment name is 1-50 letters, digits, spaces, _ or -' }))
    .min(1, { error: 'bootstrap.environments needs at least one environment (the smoke test uses the first)' })
    .default(() => [...ANSWER_DEFAULTS.bootstrap.environments]),
});

const ExistingSecrets = z.strictObject({
  serviceCert: dnsLabel('existingSecrets.serviceCert', 253).optional().describe('Secret with tls.crt and tls.key'),
  oauthKey: dnsLabel('existingSecrets.oauthKey', 253).optional().describe('Secret with public.pem and private.pem'),
  serviceToken: dnsLabel('existingSecrets.serviceToken', 253).optional().describe('Secret with token'),
});

const Images = z.strictObject({
  registry: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d+)?(\/[a-z0-9._-]+)*$/, { error: 'must be a registry host with an optional port and path, such as mirror.example.internal/bkt' })
    .optional()
    .describe('mirror for every image the install runs: each becomes <registry>/<path>:<tag> (path without its original registry host)'),
  pullSecrets: z
    .array(dnsLabel('images.pullSecrets[]', 253))
    .optional()
    .describe('Secrets (type kubernetes.io/dockerconfigjson) in the release namespace, used to pull every image of the chart and of the installer'),
});

export const AnswersSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1, { error: 'version must be 1' }),
    platform: z.enum(PLATFORM_IDS),
    ...platformBlocks,
    kubernetes: Kubernetes.default({ namespace: DEFAULT_NAMESPACE }),
    release: Release.default({ name: DEFAULT_RELEASE, chart: CHART_REF, version: CHART_VERSION }),
    database: Database,
    redis: Redis,
    messaging: Messaging,
    warehouse: Warehouse,
    ingress: Ingress,
    auth: Auth.default({ demoSignIn: { enabled: false, organizationId: 'demo', projectId: 'demo', environmentId: 'demo', isSystemAdmin: false } }),
    existingSecrets: ExistingSecrets.default({}),
    bootstrap: Bootstrap.default(() => ({ organization: { ...ANSWER_DEFAULTS.bootstrap.organization }, project: { ...ANSWER_DEFAULTS.bootstrap.project }, environments: [...ANSWER_DEFAULTS.bootstrap.environments] })),
    sizing: z.enum(['small', 'medium', 'large']).default('small'),
    images: Images.optional().describe('private registry or air gap: move every image to a mirror, add pull secrets'),
  })
  .superRefine((a, ctx) => {
    for (const issue of platformById(a.platform).validate?.(a) ?? []) ctx.addIssue({ code: 'custom', ...issue });
    if (a.messaging.backend === 'google-pubsub' && !a.gcp) {
      ctx.addIssue({ code: 'custom', path: ['messaging', 'backend'], message: 'google-pubsub needs gcp: {project, region} (the project that holds the topics)' });
    }
    if (a.warehouse.type === 'bigquery' && !a.warehouse.project && !a.gcp) {
      ctx.addIssue({ code: 'custom', path: ['warehouse', 'project'], message: 'warehouse.project (or gcp.project) is required for bigquery' });
    }
    // web (v2.3.0) queries BigQuery in its own project, web.env.project, which is also the project
    // of its Pub/Sub topics: the chart has no key for a separate BigQuery project on web's side.
    if (a.warehouse.type === 'bigquery' && a.warehouse.project && a.gcp && a.warehouse.project !== a.gcp.project) {
      ctx.addIssue({
        code: 'custom',
        path: ['warehouse', 'project'],
        message: `${a.warehouse.project} differs from gcp.project ${a.gcp.project}: Bucketeer's web queries BigQuery only in its own project, so it would never read a dataset in ${a.warehouse.project}; remove warehouse.project and create the dataset in ${a.gcp.project}`,
      });
    }
    if (a.warehouse.type === 'bigquery' && !platformById(a.platform).googleServices) {
      ctx.addIssue({ code: 'custom', path: ['warehouse', 'type'], message: 'bigquery needs platform gcp (Bucketeer reaches it with GCP credentials)' });
    }
    if (a.warehouse.type === 'mysql') {
      const name = mysqlWarehouseDatabase(a);
      if (name === undefined) {
        ctx.addIssue({ code: 'custom', path: ['warehouse', 'database'], message: `the default warehouse database name ${a.database.name}${WAREHOUSE_DB_SUFFIX} is longer than MySQL's 64 characters: set warehouse.database` });
      } else if (name.toLowerCase() === ATLAS_REVISIONS.database) {
        ctx.addIssue({ code: 'custom', path: ['warehouse', 'database'], message: `warehouse.database must not be ${ATLAS_REVISIONS.database}: Bucketeer's migration keeps its revisions there` });
      }
    }
    if (a.ingress.webHost === a.ingress.apiHost) {
      ctx.addIssue({ code: 'custom', path: ['ingress', 'apiHost'], message: 'ingress.apiHost must differ from ingress.webHost' });
    }
    if (a.auth.demoSignIn.enabled && (!a.auth.demoSignIn.email || !a.auth.demoSignIn.password)) {
      ctx.addIssue({ code: 'custom', path: ['auth', 'demoSignIn'], message: 'demo sign-in needs email and password' });
    }
    if (!a.auth.google && !a.auth.demoSignIn.enabled) {
      ctx.addIssue({ code: 'custom', path: ['auth'], message: 'no way to sign in: set auth.google {clientId, clientSecret} or auth.demoSignIn {enabled: true, email, password}' });
    }
  });

export type Answers = z.infer<typeof AnswersSchema>;

export const WAREHOUSE_DB_SUFFIX = '_warehouse';

/**
 * The MySQL database that holds the event tables (warehouse.type mysql): warehouse.database, else
 * <database.name>_warehouse. Never the migration's database on a new install: atlas's first
 * `migrate apply` refuses a database that already holds tables. Undefined when the default name
 * would exceed MySQL's 64 characters (the schema then asks for warehouse.database).
 */
export function mysqlWarehouseDatabase(a: { database: { name: string }; warehouse: { type: string; database?: string } }): string | undefined {
  if (a.warehouse.type !== 'mysql') return undefined;
  if (a.warehouse.database) return a.warehouse.database;
  const derived = `${a.database.name}${WAREHOUSE_DB_SUFFIX}`;
  return derived.length <= 64 ? derived : undefined;
}
export type AnswersInput = z.input<typeof AnswersSchema>;

export function answersJsonSchema(): object {
  return {
    ...z.toJSONSchema(AnswersSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://github.com/bucketeer-io/bucketeer-install/answers.schema.json',
    title: 'bucketeer-install answers file',
  };
}
