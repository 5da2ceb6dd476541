// Manifests for the in-cluster MySQL and Redis, from the project's own templates/. Placeholders
// are replaced in the parsed objects, never spliced into YAML text, so a value cannot change the
// document's structure.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { mysqlWarehouseDatabase, type Answers } from '../answers/schema.js';
import type { StatefulSet } from '../kube/types.js';
import { memBytes, SIZING } from './sizing.js';

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };

export function templatesDir(): string {
  // src/plan/ in development, dist/ when bundled: walk up to the folder that holds templates/.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      readFileSync(join(dir, 'templates', 'mysql.yaml'));
      return join(dir, 'templates');
    } catch {
      dir = dirname(dir);
    }
  }
  throw new Error('templates/ folder not found next to the installed package');
}

function fill(node: unknown, vars: Record<string, unknown>): unknown {
  if (typeof node === 'string') {
    const whole = /^\$\{(\w+)\}$/.exec(node);
    if (whole) {
      if (!(whole[1] in vars)) throw new Error(`template placeholder \${${whole[1]}} has no value`);
      return vars[whole[1]];
    }
    return node.replace(/\$\{(\w+)\}/g, (_, k: string) => {
      if (!(k in vars)) throw new Error(`template placeholder \${${k}} has no value`);
      return String(vars[k]);
    });
  }
  if (Array.isArray(node)) return node.map((n) => fill(n, vars));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [fill(k, vars) as string, fill(v, vars)]));
  }
  return node;
}

export function renderTemplate(file: string, vars: Record<string, unknown>): Manifest[] {
  const text = readFileSync(join(templatesDir(), file), 'utf8');
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new Error(`templates/${file}: not a YAML stream`);
  for (const d of docs) if (d.errors.length) throw new Error(`templates/${file}: ${d.errors[0].message}`);
  return docs
    .map((d) => d.toJS() as unknown)
    .filter((d): d is object => d !== null)
    .map((d) => fill(d, vars) as Manifest);
}

/** The in-cluster servers of a release: the name of each one's StatefulSet, Service and (MySQL) Secret. */
export const inClusterServerNames = (release: string) => ({ mysql: `${release}-mysql`, redis: `${release}-redis` });
export const mysqlName = (a: Answers) => inClusterServerNames(a.release.name).mysql;
export const redisName = (a: Answers) => inClusterServerNames(a.release.name).redis;

/**
 * The init script for the warehouse database: created and granted to the user at first start,
 * as the user has no right to create databases (MySQL's image grants it MYSQL_DATABASE only).
 */
function warehouseInitSql(a: Answers): string {
  const wh = mysqlWarehouseDatabase(a);
  if (wh === undefined || wh === a.database.name) return '-- no separate warehouse database\n';
  const id = (s: string) => `\`${s.replace(/`/g, '``')}\``;
  return `CREATE DATABASE IF NOT EXISTS ${id(wh)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\nGRANT ALL PRIVILEGES ON ${id(wh)}.* TO '${a.database.user}'@'%';\nFLUSH PRIVILEGES;\n`;
}

/**
 * maxmemory of the in-cluster Redis: half its container memory limit. Bucketeer v2.3.0 never trims
 * its streams, so Redis fills up; with noeviction it then refuses writes, which is recoverable,
 * where the kernel's OOM kill at the limit is a crash loop (the AOF replay needs the same memory).
 * The other half is headroom for the AOF rewrite: it forks, and copy-on-write can duplicate every
 * page written while it runs, plus the rewrite buffer and client buffers.
 */
export function redisMaxmemoryBytes(a: Answers): number {
  return Math.floor(memBytes(SIZING[a.sizing].redis.limits.memory) / 2);
}

export function inClusterManifests(answers: Answers): { mysql: Manifest[]; redis: Manifest[] } {
  const sizing = SIZING[answers.sizing];
  const ns = answers.kubernetes.namespace;
  return {
    mysql:
      answers.database.mode === 'in-cluster'
        ? renderTemplate('mysql.yaml', {
            name: mysqlName(answers),
            release: answers.release.name,
            namespace: ns,
            database: answers.database.name,
            user: answers.database.user,
            storage: answers.database.storage,
            resources: sizing.mysql,
            warehouseInitSql: warehouseInitSql(answers),
          })
        : [],
    redis:
      answers.redis.mode === 'in-cluster'
        ? renderTemplate('redis.yaml', { name: redisName(answers), release: answers.release.name, namespace: ns, storage: answers.redis.storage, resources: sizing.redis, maxmemory: redisMaxmemoryBytes(answers) })
        : [],
  };
}

type Labels = Record<string, string>;
interface StatefulSetSpec {
  selector?: { matchLabels?: Labels };
  template?: { metadata?: { labels?: Labels }; [k: string]: unknown };
  volumeClaimTemplates?: { metadata?: { name?: string; labels?: Labels }; [k: string]: unknown }[];
  [k: string]: unknown;
}

/**
 * The manifests to apply when some of the servers' StatefulSets are deployed already. A
 * StatefulSet's selector and claim templates cannot change once it exists, and earlier versions
 * selected on `app.kubernetes.io/instance: <server name>`: a deployed server keeps its selector
 * (in the StatefulSet, its pod labels and its Service) and its claim templates' labels, so the
 * API server accepts the apply and the Service still finds the pods.
 */
export function keepDeployedSelectors(manifests: Manifest[], deployed: ReadonlyMap<string, StatefulSet>): Manifest[] {
  return manifests.map((m) => {
    const sts = deployed.get(m.metadata.name);
    const selector = sts?.spec?.selector?.matchLabels;
    if (!selector) return m;
    if (m.kind === 'Service') return { ...m, spec: { ...(m.spec as object), selector } };
    if (m.kind !== 'StatefulSet') return m;
    const spec = m.spec as StatefulSetSpec;
    const deployedClaimLabels = (name?: string) => sts?.spec?.volumeClaimTemplates?.find((t) => t.metadata?.name === name)?.metadata?.labels;
    return {
      ...m,
      spec: {
        ...spec,
        selector: { ...spec.selector, matchLabels: selector },
        template: { ...spec.template, metadata: { ...spec.template?.metadata, labels: { ...spec.template?.metadata?.labels, ...selector } } },
        volumeClaimTemplates: spec.volumeClaimTemplates?.map((t) => ({ ...t, metadata: { ...t.metadata, labels: deployedClaimLabels(t.metadata?.name) } })),
      },
    };
  });
}
