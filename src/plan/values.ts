// Answers -> values for the real Bucketeer chart (v2.3.x). Pure: no I/O, no randomness.
// Every rule here hides a sharp edge of the chart: values that must be set for the pods to start,
// subchart defaults that disagree, inline values the chart quotes without escaping.
import { mysqlWarehouseDatabase, type Answers } from '../answers/schema.js';
import { imageValues } from './images.js';
import type { Values } from '../util/value-tree.js';
import { UsageError } from '../errors.js';
import { SIZING, type ContainerResources } from './sizing.js';
import { ON_DEMAND_SUBSCRIBERS, SUBSCRIBERS, TOPICS } from './topics.js';

import { SERVICES, type ServiceKey } from '../chart/facts.js';
import { platformById } from '../platforms/index.js';

export { SERVICES, type ServiceKey };

/** Secret values that the chart forces inline; masked placeholders for render, real ones for helm. */
export interface InlineSecrets {
  dbPassword: string;
  googleClientSecret?: string;
  demoSignInPassword?: string;
  warehousePassword?: string;
}

/** Names of the Kubernetes Secrets the chart mounts but never creates (it only references them). */
export interface SecretNames {
  serviceCert: string;
  oauthKey: string;
  serviceToken: string;
}

export const MASK = '********';

/** The names of the Secrets the installer generates for a release (when existingSecrets names none). */
export const generatedSecretNames = (release: string): SecretNames => ({
  serviceCert: `${release}-service-cert`,
  oauthKey: `${release}-oauth-key`,
  serviceToken: `${release}-service-token`,
});

export function secretNamesFor(answers: Answers): SecretNames {
  const generated = generatedSecretNames(answers.release.name);
  return {
    serviceCert: answers.existingSecrets.serviceCert ?? generated.serviceCert,
    oauthKey: answers.existingSecrets.oauthKey ?? generated.oauthKey,
    serviceToken: answers.existingSecrets.serviceToken ?? generated.serviceToken,
  };
}

export interface Endpoints {
  mysqlHost: string;
  mysqlPort: number;
  redisAddr: string;
  webURL: string;
  oauthIssuer: string;
  oauthAudience: string;
}

export function endpointsFor(answers: Answers): Endpoints {
  const ns = answers.kubernetes.namespace;
  const rel = answers.release.name;
  const inClusterMysql = answers.database.mode === 'in-cluster';
  return {
    mysqlHost: inClusterMysql ? `${rel}-mysql.${ns}.svc.cluster.local` : answers.database.host!,
    mysqlPort: inClusterMysql ? 3306 : answers.database.port,
    redisAddr: answers.redis.mode === 'in-cluster' ? `${rel}-redis.${ns}.svc.cluster.local:6379` : answers.redis.addr!,
    webURL: `https://${answers.ingress.webHost}`,
    oauthIssuer: `https://${answers.ingress.webHost}`,
    oauthAudience: 'bucketeer',
  };
}

const isControl = (ch: string) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f;

/**
 * The chart writes these values between double quotes without escaping, so a `"`,
 * a `\` or a control character would corrupt the pod spec (or the script around it). Refuse them
 * with the reason; `where` names what the value would break.
 */
export function assertChartSafe(value: string, key: string, where = 'the pod spec'): void {
  const bad = [...value].find((ch) => ch === '"' || ch === '\\' || isControl(ch));
  if (bad !== undefined) {
    const shown = bad === '"' ? 'a double quote (")' : bad === '\\' ? 'a backslash (\\)' : 'a control character (a line break?)';
    throw new UsageError(
      `${key} contains ${shown}; the Bucketeer chart places this value inside double quotes without escaping, which breaks ${where}`,
      `choose a value without " or \\ or control characters (other punctuation is fine)`,
    );
  }
}

/**
 * Where the v2.3.0 chart writes each inline secret, as its answers key and what a quote in it
 * would break. `escaped` secrets go through toJson or `quote` only: a quote is harmless there,
 * but a control character is still refused (a line break pasted into a secret is a copy mistake
 * that would otherwise surface only as a failed sign-in).
 */
export const INLINE_SECRET_KEYS: Record<keyof InlineSecrets, { key: string; where: string; escaped?: boolean }> = {
  // web/api/batch/subscriber deployment.yaml: `value: "{{ ...mysql.pass }}"`
  dbPassword: { key: 'database.password', where: 'the pod spec of every Bucketeer Deployment' },
  // web env-js-configmap.yaml: `"DEMO_SIGN_IN_PASSWORD":"{{ .Values.oauth.demoSignIn.password }}"`,
  // a script every browser that opens the console runs: a quote there injects script.
  demoSignInPassword: { key: 'auth.demoSignIn.password', where: "the console's env.js script" },
  // web oauth-configmap.yaml: `{{ toJson .Values.oauth }}` (escaped).
  googleClientSecret: { key: 'auth.google.clientSecret', where: 'the OAuth configuration', escaped: true },
  // web datawarehouse-configmap.yaml (`| quote`) and subscriber subscribers-configmap.yaml (toJson).
  warehousePassword: { key: 'warehouse.password', where: 'the warehouse configuration', escaped: true },
};

/** Every resolved inline secret is safe for the template it lands in (masked ones are skipped). */
export function assertInlineSecretsSafe(secrets: InlineSecrets): void {
  for (const [field, spec] of Object.entries(INLINE_SECRET_KEYS) as [keyof InlineSecrets, (typeof INLINE_SECRET_KEYS)[keyof InlineSecrets]][]) {
    const value = secrets[field];
    if (value === undefined || value === MASK) continue;
    if (!spec.escaped) assertChartSafe(value, spec.key, spec.where);
    else if ([...value].some(isControl)) {
      throw new UsageError(`${spec.key} contains a control character (a line break?), which the chart would write into ${spec.where}`, `remove it from the value of ${spec.key}`);
    }
  }
}

/** mysql://user:pass@host:port/db with credentials URL-encoded (the chart does not quote it). */
export function migrationDbUrl(user: string, password: string, host: string, port: number, db: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `mysql://${enc(user)}:${password === MASK ? MASK : enc(password)}@${host}:${port}/${enc(db)}`;
}

const resources = (r: ContainerResources) => ({ requests: { ...r.requests }, limits: { ...r.limits } });

export type { Values };

export function planValues(answers: Answers, secrets: InlineSecrets): Values {
  return mergeValues(serviceValues(answers, secrets), imageValues(answers));
}

/** `overlay` merged into `base`, objects key by key (arrays and scalars of the overlay win). */
function mergeValues(base: Values, overlay: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? mergeValues(b as Values, v as Values) : v;
  }
  return out;
}

function serviceValues(answers: Answers, secrets: InlineSecrets): Values {
  const ns = answers.kubernetes.namespace;
  const ep = endpointsFor(answers);
  const names = secretNamesFor(answers);
  const onGcp = platformById(answers.platform).googleServices;
  const sizing = SIZING[answers.sizing];
  const pubsubType = answers.messaging.backend === 'google-pubsub' ? 'google' : 'redis-stream';
  // web/api require global.pubsub.project even with Redis Streams; off GCP any non-empty id works.
  const project = answers.gcp?.project ?? 'bucketeer';
  const redisMode = answers.redis.clusterMode ? 'cluster' : 'standalone';
  const db = answers.database;

  assertInlineSecretsSafe(secrets);
  for (const [key, v] of [['database.user', db.user], ['database.name', db.name]] as const) assertChartSafe(v, key);
  if (answers.auth.demoSignIn.email) assertChartSafe(answers.auth.demoSignIn.email, 'auth.demoSignIn.email', "the console's env.js script");

  const mysql = { host: ep.mysqlHost, port: ep.mysqlPort, user: db.user, pass: secrets.dbPassword, name: db.name };
  const redisPair = (serverName: string) => ({ serverName, addr: ep.redisAddr, mode: redisMode });
  const tlsSecrets = (host: string) => [{ hosts: [host], secretName: answers.ingress.tls === 'self-signed' ? names.serviceCert : answers.ingress.tls.secretName }];
  const serviceAccount = answers.gcp?.workloadIdentity
    ? { annotations: { 'iam.gke.io/gcp-service-account': answers.gcp.workloadIdentity.serviceAccount } }
    : { annotations: {} };
  const hpa = sizing.hpa
    ? { enabled: true, minReplicas: sizing.hpa.minReplicas, maxReplicas: sizing.hpa.maxReplicas, metrics: { cpu: { targetAverageUtilization: sizing.hpa.cpuUtilization } } }
    : undefined;

  // Keys every subchart shares.
  const common = (svc: ServiceKey) => ({
    namespace: ns,
    tls: { service: { secret: names.serviceCert } },
    serviceToken: { secret: names.serviceToken },
    resources: resources(sizing.app[svc]),
    envoy: { resources: resources(sizing.envoy) },
    serviceAccount,
    env: {
      project,
      gcpEnabled: onGcp,
      profile: onGcp,
      pubSubType: pubsubType,
      pubSubRedisMode: redisMode,
      pubSubRedisAddr: ep.redisAddr,
      operationalDatabase: { type: 'mysql', mysql: { ...mysql } },
    },
  });

  const subscriberEntries = (table: Record<string, { topic: string; subscription: string }>) =>
    Object.fromEntries(Object.entries(table).map(([name, b]) => [name, { topic: b.topic, subscription: b.subscription, project, pubSubType: pubsubType }]));

  const google = answers.auth.google;
  const demo = answers.auth.demoSignIn;
  const oauth = {
    key: { secret: names.oauthKey },
    issuer: ep.oauthIssuer,
    audience: ep.oauthAudience,
    ...(google
      ? {
          google: {
            issuer: 'https://accounts.google.com',
            clientId: google.clientId,
            clientSecret: secrets.googleClientSecret ?? '',
            redirectUrls: [`https://${answers.ingress.webHost}/auth/callback`, `https://${answers.ingress.webHost}/v3/auth/callback`],
          },
        }
      : {}),
    // Every field PrepareDemoUser needs, or it creates nothing and nobody can sign in.
    demoSignIn: demo.enabled
      ? {
          enabled: true,
          email: demo.email,
          password: secrets.demoSignInPassword ?? '',
          organizationId: demo.organizationId,
          organizationOwnerEmail: demo.organizationOwnerEmail ?? demo.email,
          projectId: demo.projectId,
          environmentId: demo.environmentId,
          isSystemAdmin: demo.isSystemAdmin,
        }
      : { enabled: false },
  };

  const warehouse = answers.warehouse;
  const dataWarehouse: Values = { type: warehouse.type, timezone: 'UTC' };
  if (warehouse.type === 'mysql') {
    // The event tables live in their own database: the migration's first run refuses a database
    // that holds tables. Only an install made before that (warehouse.database = database.name)
    // keeps them on the main connection.
    const warehouseDb = mysqlWarehouseDatabase(answers)!;
    dataWarehouse.mysql =
      warehouseDb === db.name
        ? { useMainConnection: true }
        : { useMainConnection: false, host: ep.mysqlHost, port: ep.mysqlPort, user: db.user, password: secrets.dbPassword, database: warehouseDb };
  }
  if (warehouse.type === 'bigquery') {
    dataWarehouse.bigquery = { project: warehouse.project ?? answers.gcp!.project, dataset: warehouse.dataset, location: warehouse.location };
  }
  if (warehouse.type === 'postgres') {
    dataWarehouse.postgres = { host: warehouse.host, port: warehouse.port, user: warehouse.user, password: secrets.warehousePassword ?? '', database: warehouse.database };
  }

  const ingress = (name: 'web' | 'api', host: string) => ({
    host,
    ...(onGcp && answers.ingress.staticIPNames ? { staticIPName: answers.ingress.staticIPNames[name] } : {}),
  });

  const web = common('web');
  const api = common('api');
  const batch = common('batch-server');
  const subscriber = common('subscriber');

  return {
    global: {
      image: { tag: answers.release.version.startsWith('v') ? answers.release.version : `v${answers.release.version}` },
      operationalDatabase: { type: 'mysql', mysql: { ...mysql } },
      pubsub: {
        type: pubsubType,
        project,
        redis: {
          serverName: 'bucketeer-pubsub-redis',
          addr: ep.redisAddr,
          mode: redisMode,
          partitionCount: answers.messaging.partitions,
        },
      },
      dataWarehouse,
    },
    migration: {
      image: { tag: answers.release.version.startsWith('v') ? answers.release.version : `v${answers.release.version}` },
      dbUrl: migrationDbUrl(db.user, secrets.dbPassword, ep.mysqlHost, ep.mysqlPort, db.name),
      // A fresh database must not be baselined: atlas marks the baseline revision applied, and the
      // chart's default baseline is the initialization revision, so the schema would never be created.
      dbBaseline: db.baseline ?? '',
    },
    web: {
      ...web,
      env: {
        ...web.env,
        persistentRedis: redisPair('bucketeer-persistent-redis'),
        nonPersistentRedis: redisPair('bucketeer-non-persistent-redis'),
        domainTopic: TOPICS.domain,
        bulkSegmentUsersReceivedTopic: TOPICS.bulkSegmentUsersReceived,
        ...(warehouse.type === 'bigquery' ? { bigQueryDataSet: warehouse.dataset, bigQueryDataLocation: warehouse.location } : {}),
      },
      oauth,
      webhook: { baseURL: ep.webURL, kmsResourceName: 'unused' },
      ingress: ingress('web', answers.ingress.webHost),
      tls: { ...web.tls, bucketeerJP: { secrets: tlsSecrets(answers.ingress.webHost) } },
      ...(hpa ? { hpa } : {}),
    },
    api: {
      ...api,
      env: {
        ...api.env,
        redis: redisPair('bucketeer-api-redis'),
        goalTopic: TOPICS.goal,
        evaluationTopic: TOPICS.evaluation,
        metricsTopic: TOPICS.metrics,
        cacheInvalidationTopic: TOPICS.cacheInvalidation,
      },
      ingress: ingress('api', answers.ingress.apiHost),
      tls: { ...api.tls, bucketeerJP: { secrets: tlsSecrets(answers.ingress.apiHost) } },
      ...(hpa ? { hpa } : {}),
    },
    'batch-server': {
      ...batch,
      env: {
        ...batch.env,
        webURL: ep.webURL,
        persistentRedis: redisPair('bucketeer-persistent-redis'),
        nonPersistentRedis: redisPair('bucketeer-non-persistent-redis'),
      },
      oauth: { key: { secret: names.oauthKey }, issuer: ep.oauthIssuer, audience: ep.oauthAudience },
      httpstan: { resources: resources(sizing.httpstan) },
      cronjob: { webGatewayAddress: `https://web.${ns}.svc.cluster.local:9003` },
    },
    subscriber: {
      ...subscriber,
      env: {
        ...subscriber.env,
        webURL: ep.webURL,
        persistentRedis: redisPair('bucketeer-persistent-redis'),
        nonPersistentRedis: redisPair('bucketeer-non-persistent-redis'),
      },
      subscribers: subscriberEntries(SUBSCRIBERS),
      onDemandSubscribers: subscriberEntries(ON_DEMAND_SUBSCRIBERS),
      processors: {
        segmentUserPersister: {
          domainEventProject: project,
          domainEventTopic: TOPICS.domain,
          pubSubType: pubsubType,
          project,
          redisAddr: ep.redisAddr,
          redisMode: redisMode,
          redisPartitionCount: answers.messaging.partitions,
        },
      },
    },
  };
}

/**
 * Value paths that must be non-empty for the pods to start (the services treat an empty env var as
 * unset and exit), relative to the values
 * root. Tests and doctor's values check read this list.
 */
export const REQUIRED_VALUE_PATHS: readonly string[] = [
  'global.operationalDatabase.mysql.host',
  'global.operationalDatabase.mysql.port',
  'global.operationalDatabase.mysql.user',
  'global.operationalDatabase.mysql.pass',
  'global.operationalDatabase.mysql.name',
  'global.pubsub.type',
  'global.pubsub.project',
  'migration.dbUrl',
  ...SERVICES.flatMap((s) => [`${s}.namespace`, `${s}.tls.service.secret`, `${s}.serviceToken.secret`]),
  'web.oauth.key.secret',
  'batch-server.oauth.key.secret',
  'batch-server.cronjob.webGatewayAddress',
  'web.env.persistentRedis.serverName',
  'web.env.persistentRedis.addr',
  'web.env.nonPersistentRedis.serverName',
  'web.env.nonPersistentRedis.addr',
  'web.env.domainTopic',
  'web.env.bulkSegmentUsersReceivedTopic',
  'web.webhook.baseURL',
  'web.webhook.kmsResourceName',
  'web.oauth.issuer',
  'web.oauth.audience',
  'web.oauth.demoSignIn.enabled',
  'api.env.goalTopic',
  'api.env.evaluationTopic',
  'api.env.redis.serverName',
  'api.env.redis.addr',
  'batch-server.env.webURL',
  'batch-server.oauth.issuer',
  'batch-server.oauth.audience',
  ...(['batch-server', 'subscriber'] as const).flatMap((s) => [
    `${s}.env.persistentRedis.serverName`,
    `${s}.env.persistentRedis.addr`,
    `${s}.env.nonPersistentRedis.serverName`,
    `${s}.env.nonPersistentRedis.addr`,
  ]),
  'subscriber.env.webURL',
  ...Object.keys(SUBSCRIBERS).flatMap((n) => [`subscriber.subscribers.${n}.topic`, `subscriber.subscribers.${n}.subscription`]),
  ...Object.keys(ON_DEMAND_SUBSCRIBERS).flatMap((n) => [`subscriber.onDemandSubscribers.${n}.topic`, `subscriber.onDemandSubscribers.${n}.subscription`]),
  'subscriber.processors.segmentUserPersister.domainEventTopic',
];

export function getPath(values: unknown, path: string): unknown {
  // Keys contain '-' but never '.', so a plain split is exact.
  let cur: unknown = values;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** Required paths that are missing or empty; an empty list means the values can start the pods. */
export function emptyRequiredValues(values: Values): string[] {
  return REQUIRED_VALUE_PATHS.filter((p) => {
    const v = getPath(values, p);
    return v === undefined || v === null || v === '';
  });
}

/** Said wherever demo sign-in is chosen (wizard, review, install output, doctor). */
export const DEMO_PASSWORD_PUBLIC =
  'the demo password is public: the Bucketeer chart writes it into /static/js/env.js, which web serves without sign-in; use demo sign-in for trials only';

/** The demo sign-in fields Bucketeer's PrepareDemoUser needs before it creates anything. */
export const DEMO_SIGN_IN_REQUIRED = ['email', 'password', 'organizationId', 'projectId', 'environmentId'] as const;

/**
 * When web.oauth.demoSignIn.enabled is true: the required demo fields that are empty (with them
 * missing, web logs "One or more demo sign-in configuration are missing" and nobody can sign in).
 * Empty when demo sign-in is off.
 */
export function demoSignInGaps(values: Values): string[] {
  if (getPath(values, 'web.oauth.demoSignIn.enabled') !== true) return [];
  return DEMO_SIGN_IN_REQUIRED.map((k) => `web.oauth.demoSignIn.${k}`).filter((p) => {
    const v = getPath(values, p);
    return v === undefined || v === null || v === '';
  });
}
