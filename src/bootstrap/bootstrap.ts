// The first-run bootstrap: through Bucketeer's own web gateway, list then create what is missing:
// the organization (owner = the bootstrap owner), a project, the environments, the owner's
// account as organization admin, and a client and a server SDK API key per environment. The keys
// go to a Kubernetes Secret only. A second run finds everything and creates and changes nothing.
// A key missing from the Secret is created anew; the earlier one stays enabled and is named.
import type { Answers } from '../answers/schema.js';
import { Interrupted, UsageError } from '../errors.js';
import { endpointsFor } from '../plan/values.js';
import { BucketeerClient, isAlreadyExists, isNotFound } from './client.js';
import {
  API_KEY_ROLE,
  consoleApiKeysPath,
  DEFAULT_PROJECT,
  DISABLE_API_KEY,
  ENVIRONMENT_ROLE_EDITOR,
  ORGANIZATION_ROLE_ADMIN,
  type Account,
  type ApiKey,
  type Environment,
  type Organization,
  type Project,
} from './contract.js';

export interface BootstrapSpec {
  organization: { name: string; urlCode: string };
  ownerEmail: string;
  project: { name: string; urlCode: string };
  environments: { name: string; urlCode: string }[];
  /** Secret `<release>-sdk-keys`. */
  secretName: string;
  namespace: string;
  /** https://<ingress.webHost>, where the console is. */
  consoleUrl: string;
}

/** Lower-case url code from a display name (Bucketeer's rule: ^[a-z0-9-]{1,50}$). */
export function urlCodeOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'default';
}

export const sdkKeysSecretName = (release: string) => `${release}-sdk-keys`;
/** The Secret's data key of one SDK key: `<environment url code>-client|server`. */
export const sdkKeyName = (envUrlCode: string, role: 'client' | 'server') => `${envUrlCode}-${role}`;

/** The owner: bootstrap.ownerEmail, else auth.adminEmail, else the demo sign-in email. */
export function ownerEmailOf(a: Answers): string | undefined {
  return a.bootstrap.ownerEmail ?? a.auth.adminEmail ?? a.auth.demoSignIn.email;
}

/** The spec from the answers; a missing owner is bad input (checked before any change). */
export function bootstrapSpec(a: Answers): BootstrapSpec {
  const ownerEmail = ownerEmailOf(a);
  if (!ownerEmail) {
    throw new UsageError('bootstrap needs an owner email for the first organization', 'set bootstrap.ownerEmail (or auth.adminEmail) in the answers file, or pass --skip-bootstrap');
  }
  const org = a.bootstrap.organization;
  const project = a.bootstrap.project;
  return {
    organization: { name: org.name, urlCode: org.urlCode ?? urlCodeOf(org.name) },
    ownerEmail,
    project: { name: project.name, urlCode: project.urlCode ?? (project.name === DEFAULT_PROJECT.name ? DEFAULT_PROJECT.urlCode : urlCodeOf(project.name)) },
    environments: a.bootstrap.environments.map((name) => ({ name, urlCode: urlCodeOf(name) })),
    secretName: sdkKeysSecretName(a.release.name),
    namespace: a.kubernetes.namespace,
    consoleUrl: endpointsFor(a).webURL,
  };
}

/** Where the SDK keys live: a Kubernetes Secret in practice (keys.ts), a map in unit tests. */
export interface KeyStore {
  read(): Promise<Record<string, string>>;
  /** Writes the whole set (called only when a key was added). */
  write(keys: Record<string, string>): Promise<void>;
}

/**
 * An SDK key an earlier run created whose value the Secret no longer holds: this run created a new
 * one in its place, and the earlier one stays enabled in Bucketeer (an app may still use a copy).
 */
export interface EarlierKey {
  environment: { id: string; urlCode: string };
  role: 'client' | 'server';
  name: string;
  /** Its id, unless listing the keys failed (then lookupFailed says why). */
  id?: string;
  lookupFailed?: string;
}

export interface BootstrapResult {
  organization: Organization;
  project: Project;
  environments: Environment[];
  /** One line per object this run created (empty on a second run). */
  created: string[];
  /** Earlier SDK keys still enabled beside the ones this run created anew. */
  earlierKeys: EarlierKey[];
  secretName: string;
}

/** What the user reads about an earlier key: that it is still active, and how to disable it. */
export function earlierKeyNote(k: EarlierKey, consoleUrl: string): string {
  const console = `${consoleUrl}${consoleApiKeysPath(k.environment.urlCode)}`;
  const how = k.id
    ? `disable it in the console (${console}) or with ${DISABLE_API_KEY.method} ${DISABLE_API_KEY.path} ${JSON.stringify({ id: k.id, environmentId: k.environment.id, disabled: true })}`
    : `disable it in the console (${console}; its id is unknown: listing the keys failed: ${k.lookupFailed})`;
  return (
    `the earlier ${k.role} SDK key ${k.name}${k.id ? ` (id ${k.id})` : ''} of environment ${k.environment.urlCode} is still active in Bucketeer: ` +
    `a new key replaced it in the Secret, but an app may still use a copy. Once none does, ${how}`
  );
}

/** The installer's enabled keys of one role in an environment (its names: the base, or the base and a timestamp). */
async function installerKeys(client: BucketeerClient, organizationId: string, e: Environment, role: 'client' | 'server', base: string): Promise<ApiKey[]> {
  const res = await client.web<{ apiKeys?: ApiKey[] }>('listApiKeys', { query: { ...PAGE, organizationId, environmentIds: [e.id], searchKeyword: base, disabled: 'false' } });
  const ours = new RegExp(`^${base}(-\\d{14})?$`);
  return (res.apiKeys ?? []).filter((k) => ours.test(k.name) && k.role === API_KEY_ROLE[role] && !k.disabled);
}

const PAGE = { pageSize: '500' };

/** Finds the organization, project and environments without creating anything (smoke, doctor). */
export async function locate(client: BucketeerClient, spec: BootstrapSpec): Promise<{ organization?: Organization; project?: Project; environments: Environment[] }> {
  const orgs = await client.web<{ Organizations?: Organization[] }>('listOrganizations', { query: { ...PAGE, searchKeyword: spec.organization.urlCode } });
  const organization = (orgs.Organizations ?? []).find((o) => o.urlCode === spec.organization.urlCode);
  if (!organization) return { environments: [] };
  const projects = await client.web<{ projects?: Project[] }>('listProjects', { query: { ...PAGE, organizationIds: [organization.id] } });
  const project = (projects.projects ?? []).find((p) => p.urlCode === spec.project.urlCode && p.organizationId === organization.id);
  if (!project) return { organization, environments: [] };
  const envs = await client.web<{ environments?: Environment[] }>('listEnvironments', { query: { ...PAGE, projectId: project.id, organizationId: organization.id } });
  return { organization, project, environments: (envs.environments ?? []).filter((e) => e.projectId === project.id) };
}

export async function runBootstrap(client: BucketeerClient, spec: BootstrapSpec, keys: KeyStore, progress: (m: string) => void = () => {}): Promise<BootstrapResult> {
  const created: string[] = [];
  progress(`looking up organization ${spec.organization.urlCode}`);
  let { organization, project, environments } = await locate(client, spec);

  if (!organization) {
    progress(`creating organization ${spec.organization.name}`);
    const res = await client.web<{ Organization: Organization }>('createOrganization', {
      // The first organization is the system-admin one: its owner can create others in the console.
      body: { name: spec.organization.name, urlCode: spec.organization.urlCode, ownerEmail: spec.ownerEmail, isSystemAdmin: true },
    });
    organization = res.Organization;
    created.push(`organization ${organization.name} (${organization.urlCode})`);
    // Upstream creates a default project and environments with it: look again before creating.
    ({ project, environments } = await locate(client, spec));
  }
  if (!project) {
    progress(`creating project ${spec.project.name}`);
    const res = await client.web<{ project: Project }>('createProject', { body: { organizationId: organization.id, name: spec.project.name, urlCode: spec.project.urlCode } });
    project = res.project;
    environments = [];
    created.push(`project ${project.name} (${project.urlCode})`);
  }
  const envs: Environment[] = [];
  for (const want of spec.environments) {
    let e = environments.find((x) => x.urlCode === want.urlCode);
    if (!e) {
      progress(`creating environment ${want.name}`);
      e = (await client.web<{ environment: Environment }>('createEnvironment', { body: { name: want.name, urlCode: want.urlCode, projectId: project.id } })).environment;
      created.push(`environment ${want.name}`);
    }
    envs.push(e);
  }

  // The owner's account. create_organization makes it (Organization_OWNER); an organization made
  // another way may lack it, so create it as organization admin, editor of our environments.
  try {
    await client.web<{ account: Account }>('getAccount', { query: { email: spec.ownerEmail, organizationId: organization.id } });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    progress(`creating account ${spec.ownerEmail}`);
    await client.web('createAccount', {
      body: { organizationId: organization.id, email: spec.ownerEmail, organizationRole: ORGANIZATION_ROLE_ADMIN, environmentRoles: envs.map((x) => ({ environmentId: x.id, role: ENVIRONMENT_ROLE_EDITOR })) },
    });
    created.push(`account ${spec.ownerEmail} (organization admin)`);
  }

  // SDK keys: the Secret is the record. Bucketeer never shows a key again after creating it
  // (list_api_keys obfuscates them), so a key missing from the Secret is created anew. The earlier
  // one is left enabled, as an app may still use a copy of it, and named with how to disable it.
  const stored = await keys.read();
  const next = { ...stored };
  const earlierKeys: EarlierKey[] = [];
  const replaced: { environment: Environment; role: 'client' | 'server'; base: string; newId: string }[] = [];
  for (const e of envs) {
    for (const role of ['client', 'server'] as const) {
      const slot = sdkKeyName(e.urlCode, role);
      if (next[slot]) continue;
      progress(`creating ${role} SDK key for ${e.urlCode}`);
      const base = `bucketeer-install-${role}`;
      let made: { apiKey: string; id: string } | undefined;
      let replaces = false;
      for (const name of [base, `${base}-${new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14)}`]) {
        try {
          const res = await client.web<{ apiKey: { apiKey: string; id: string } }>('createApiKey', { body: { environmentId: e.id, name, role: API_KEY_ROLE[role], description: 'created by bucketeer-install; the key is in a Kubernetes Secret' } });
          made = res.apiKey;
          created.push(`${role} SDK key for ${e.urlCode} (${name})`);
          break;
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          // The name is taken: a key an earlier run created, whose value the Secret lost.
          replaces = true;
        }
      }
      if (!made) throw new Error(`could not create the ${role} SDK key for ${e.urlCode}: the names are taken`);
      next[slot] = made.apiKey;
      if (replaces) replaced.push({ environment: e, role, base, newId: made.id });
    }
  }
  if (Object.keys(next).length !== Object.keys(stored).length) await keys.write(next);
  // With the new keys safe in the Secret, the earlier ones are looked up by name to say which
  // they are; a failed lookup still names the one whose name was taken.
  for (const r of replaced) {
    const where = { id: r.environment.id, urlCode: r.environment.urlCode };
    let found: EarlierKey[];
    try {
      const enabled = await installerKeys(client, organization.id, r.environment, r.role, r.base);
      found = enabled.filter((k) => k.id !== r.newId).map((k) => ({ environment: where, role: r.role, id: k.id, name: k.name }));
    } catch (err) {
      if (err instanceof Interrupted) throw err;
      found = [{ environment: where, role: r.role, name: r.base, lookupFailed: (err as Error).message }];
    }
    for (const k of found) progress(earlierKeyNote(k, spec.consoleUrl));
    earlierKeys.push(...found);
  }
  return { organization, project, environments: envs, created, earlierKeys, secretName: spec.secretName };
}

/** What the user runs to read one key (the install output prints this, never the key). */
export function readKeyCommand(namespace: string, secretName: string, key: string): string {
  return `kubectl get secret -n ${namespace} ${secretName} -o jsonpath='{.data.${key}}' | base64 -d`;
}
