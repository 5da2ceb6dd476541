// The first-run bootstrap: through Bucketeer's own web gateway, list then create what is missing:
// the organization (owner = the bootstrap owner), a project, the environments, the owner's
// account as organization admin, and a client and a server SDK API key per environment. The keys
// go to a Kubernetes Secret only. A second run finds everything and creates and changes nothing.
import type { Answers } from '../answers/schema.js';
import { UsageError } from '../errors.js';
import { BucketeerClient, isAlreadyExists, isNotFound } from './client.js';
import {
  API_KEY_ROLE,
  DEFAULT_PROJECT,
  ENVIRONMENT_ROLE_EDITOR,
  ORGANIZATION_ROLE_ADMIN,
  type Account,
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
  };
}

/** Where the SDK keys live: a Kubernetes Secret in practice (keys.ts), a map in unit tests. */
export interface KeyStore {
  read(): Promise<Record<string, string>>;
  /** Writes the whole set (called only when a key was added). */
  write(keys: Record<string, string>): Promise<void>;
}

export interface BootstrapResult {
  organization: Organization;
  project: Project;
  environments: Environment[];
  /** One line per object this run created (empty on a second run). */
  created: string[];
  secretName: string;
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
  // (list_api_keys obfuscates them), so a key missing from the Secret is created anew.
  const stored = await keys.read();
  const next = { ...stored };
  for (const e of envs) {
    for (const role of ['client', 'server'] as const) {
      const slot = sdkKeyName(e.urlCode, role);
      if (next[slot]) continue;
      progress(`creating ${role} SDK key for ${e.urlCode}`);
      const base = `bucketeer-install-${role}`;
      let apiKey: string | undefined;
      for (const name of [base, `${base}-${new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14)}`]) {
        try {
          const res = await client.web<{ apiKey: { apiKey: string } }>('createApiKey', { body: { environmentId: e.id, name, role: API_KEY_ROLE[role], description: 'created by bucketeer-install; the key is in a Kubernetes Secret' } });
          apiKey = res.apiKey.apiKey;
          created.push(`${role} SDK key for ${e.urlCode} (${name})`);
          break;
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
        }
      }
      if (!apiKey) throw new Error(`could not create the ${role} SDK key for ${e.urlCode}: the names are taken`);
      next[slot] = apiKey;
    }
  }
  if (Object.keys(next).length !== Object.keys(stored).length) await keys.write(next);
  return { organization, project, environments: envs, created, secretName: spec.secretName };
}

/** What the user runs to read one key (the install output prints this, never the key). */
export function readKeyCommand(namespace: string, secretName: string, key: string): string {
  return `kubectl get secret -n ${namespace} ${secretName} -o jsonpath='{.data.${key}}' | base64 -d`;
}
