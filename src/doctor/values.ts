// Sanity of the values helm holds (`helm get values`): the keys the pods need are set, every
// subscriber has a topic, and the pub/sub type agrees everywhere (left empty, web and api default
// to google and the subscriber to redis-stream, and they silently disagree).
// Only key paths are reported, never values: the values hold secrets.
import type { Check } from '../checks/types.js';
import { DEMO_PASSWORD_PUBLIC, demoSignInGaps, emptyRequiredValues, getPath, SERVICES, type Values } from '../plan/values.js';

const CATEGORY = 'values';
const DOC = 'https://github.com/bucketeer-io/bucketeer-install#doctor';
const FIX = 'bucketeer-install upgrade --yes re-renders the values from the stored answers';

const isEmpty = (v: unknown) => v === undefined || v === null || v === '';

export function valuesChecks(values: Values): Check[] {
  const checks: Check[] = [];
  const empty = emptyRequiredValues(values);
  checks.push(
    empty.length
      ? { category: CATEGORY, id: 'values.required', title: 'required values set', status: 'fail', detail: `empty: ${empty.slice(0, 6).join(', ')}${empty.length > 6 ? ` and ${empty.length - 6} more` : ''}`, hint: FIX, docUrl: DOC, facts: { empty } }
      : { category: CATEGORY, id: 'values.required', title: 'required values set', status: 'pass', detail: 'every value the pods need is set' },
  );

  const entries: [string, Record<string, unknown>][] = [];
  for (const table of ['subscribers', 'onDemandSubscribers']) {
    const t = getPath(values, `subscriber.${table}`);
    if (t && typeof t === 'object') for (const [n, e] of Object.entries(t as Record<string, unknown>)) entries.push([`subscriber.${table}.${n}`, (e ?? {}) as Record<string, unknown>]);
  }
  const noTopic = entries.filter(([, e]) => isEmpty(e.topic) || isEmpty(e.subscription)).map(([p, e]) => `${p}.${isEmpty(e.topic) ? 'topic' : 'subscription'}`);
  checks.push(
    !entries.length
      ? { category: CATEGORY, id: 'values.subscriber-topics', title: 'subscriber topics', status: 'fail', detail: 'subscriber.subscribers is empty: no events would be processed', hint: FIX, docUrl: DOC }
      : noTopic.length
        ? { category: CATEGORY, id: 'values.subscriber-topics', title: 'subscriber topics', status: 'fail', detail: `empty: ${noTopic.join(', ')}`, hint: FIX, docUrl: DOC }
        : { category: CATEGORY, id: 'values.subscriber-topics', title: 'subscriber topics', status: 'pass', detail: `${entries.length} subscribers, each with a topic and a subscription` },
  );

  const global = getPath(values, 'global.pubsub.type');
  const mismatched: string[] = [];
  for (const svc of SERVICES) {
    const v = getPath(values, `${svc}.env.pubSubType`);
    if (!isEmpty(v) && v !== global) mismatched.push(`${svc}.env.pubSubType=${String(v)}`);
  }
  for (const [p, e] of entries) if (!isEmpty(e.pubSubType) && e.pubSubType !== global) mismatched.push(`${p}.pubSubType=${String(e.pubSubType)}`);
  checks.push(
    isEmpty(global)
      ? { category: CATEGORY, id: 'values.pubsub-type', title: 'pub/sub type consistent', status: 'fail', detail: 'global.pubsub.type is empty', hint: FIX, docUrl: DOC }
      : mismatched.length
        ? { category: CATEGORY, id: 'values.pubsub-type', title: 'pub/sub type consistent', status: 'fail', detail: `global.pubsub.type is ${String(global)} but ${mismatched.slice(0, 4).join(', ')}${mismatched.length > 4 ? ` and ${mismatched.length - 4} more` : ''}: publishers and subscribers would use different backends`, hint: FIX, docUrl: DOC }
        : { category: CATEGORY, id: 'values.pubsub-type', title: 'pub/sub type consistent', status: 'pass', detail: `${String(global)} everywhere` },
  );
  checks.push(...demoSignInChecks(values));
  return checks;
}

/**
 * Demo sign-in, when enabled: complete (or web creates no demo account), and always a warning,
 * because the chart writes the password into /static/js/env.js, which web serves without sign-in.
 */
export function demoSignInChecks(values: Values): Check[] {
  if (getPath(values, 'web.oauth.demoSignIn.enabled') !== true) return [];
  const base = { category: CATEGORY, id: 'values.demo-sign-in', title: 'demo sign-in' };
  const gaps = demoSignInGaps(values);
  if (gaps.length) {
    return [{ ...base, status: 'fail', detail: `empty: ${gaps.join(', ')}; Bucketeer creates the demo organization, project, environment and account only when all are set, so nobody can sign in`, hint: FIX, docUrl: DOC, facts: { empty: gaps } }];
  }
  const admin = getPath(values, 'web.oauth.demoSignIn.isSystemAdmin') === true;
  return [
    {
      ...base,
      status: 'warn',
      detail: `${DEMO_PASSWORD_PUBLIC}: anyone who can open the console signs in as ${String(getPath(values, 'web.oauth.demoSignIn.email'))}${admin ? ', and the demo organization is a system-admin organization (its members manage every organization)' : ''}`,
      hint: `for anything but a trial, set auth.google and auth.demoSignIn.enabled: false${admin ? '; set auth.demoSignIn.isSystemAdmin: false' : ''}, then bucketeer-install upgrade --yes`,
      docUrl: DOC,
      facts: { public: true, isSystemAdmin: admin },
    },
  ];
}

/** A subchart's resource name prefix, as the v2.3.0 subcharts' `<chart>.fullname` helpers build it. */
export function subchartFullname(release: string, chart: string): string {
  return (release.includes(chart) ? release : `${release}-${chart}`).slice(0, 63).replace(/-+$/, '');
}

/**
 * Which secret values the chart writes outside Secrets, where the `view` role (which cannot read
 * Secrets) reads them: ConfigMaps, and the pod specs of the Deployments and the migration Job.
 * A warning when a real credential (the Google client secret, the warehouse password) is in a
 * ConfigMap; the demo password has its own warning (values.demo-sign-in), and the database
 * password in the pod specs is how every install of this chart runs. Named from the values helm
 * holds; only names and keys are reported, never the values.
 */
export function inlineSecretsCheck(values: Values, release: string, namespace: string): Check {
  const web = subchartFullname(release, 'web');
  const subscriber = subchartFullname(release, 'subscriber');
  const set = (p: string) => !isEmpty(getPath(values, p));
  const credentials: string[] = [];
  if (set('web.oauth.google.clientSecret')) credentials.push(`Google client secret: ConfigMap ${web}-oauth-config`);
  const warehouseWhere = `ConfigMaps ${web}-datawarehouse-config and ${subscriber}-subscribers-config`;
  if (set('global.dataWarehouse.postgres.password')) credentials.push(`warehouse password: ${warehouseWhere}`);
  const others: string[] = [];
  if (getPath(values, 'web.oauth.demoSignIn.enabled') === true && set('web.oauth.demoSignIn.password')) {
    others.push(`demo sign-in password: ConfigMaps ${web}-env-js and ${web}-oauth-config`);
  }
  if (set('global.operationalDatabase.mysql.pass')) others.push("database password: the Deployments' env (BUCKETEER_*_MYSQL_PASS) and the migration Job's arguments");
  // A MySQL warehouse is a database of its own on the operational server, reached with the same
  // user: the password in those ConfigMaps is the database password the pod specs already show.
  if (set('global.dataWarehouse.mysql.password')) others.push(`database password (the MySQL warehouse connection): ${warehouseWhere}`);
  const listed = [...credentials, ...others].join('; ');
  return {
    category: 'secrets',
    id: 'secrets.view-readable',
    title: 'secrets readable with the view role',
    status: credentials.length ? 'warn' : 'pass',
    detail: listed ? `readable by anyone with the view role in namespace ${namespace}: ${listed}` : 'no secret value outside Secrets',
    ...(credentials.length ? { hint: `grant view in namespace ${namespace} only to people trusted with these credentials (kubectl get rolebindings -n ${namespace}); the chart offers no Secret for them` } : {}),
    docUrl: 'https://github.com/bucketeer-io/bucketeer-install#secrets-outside-kubernetes-secrets',
    facts: { credentials, others },
  };
}
