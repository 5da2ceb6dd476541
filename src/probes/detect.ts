// One detection entry point (cilium-cli's autodetect in spirit): which AWS credential source, which
// GCP ADC source and which Kubernetes platform are in use, read from the environment and config
// files only. Nothing here calls a network or prompts; the platform probes build on it.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AwsCredentialSource, GcpFacts, KubernetesFacts } from './types.js';

// ---- AWS ---------------------------------------------------------------------------------

export type IniSections = Record<string, Record<string, string>>;

/** Minimal INI reader for ~/.aws/config and ~/.aws/credentials (sections and key = value). */
export function parseIni(text: string): IniSections {
  const out: IniSections = {};
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+|\s+$/g, '');
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) {
      current = out[section[1].trim()] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    // Nested sub-keys (indented lines under `s3 =`) are not needed here.
    if (eq > 0 && current && !/^\s/.test(raw)) current[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

function readIni(path: string): IniSections {
  try {
    return parseIni(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}

export interface AwsDetection {
  source: AwsCredentialSource;
  profile: string;
  /** The profile's settings (config merged over credentials); empty when it has none. */
  profileSettings: Record<string, string>;
  region?: string;
  regionSource?: 'answers' | 'AWS_REGION' | 'profile';
  /** For SSO profiles: the start URL and the sso-session name (what `aws sso login` refreshes). */
  sso?: { session?: string; startUrl?: string };
  configFile: string;
  credentialsFile: string;
}

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || homedir();
}

/**
 * Classifies the credential source the SDK's default chain will use, in the chain's order:
 * env keys (unless AWS_PROFILE is set) -> web identity env -> the profile's keys -> instance role.
 */
export function detectAws(env: NodeJS.ProcessEnv, opts: { profile?: string; region?: string } = {}): AwsDetection {
  const configFile = env.AWS_CONFIG_FILE || join(home(env), '.aws', 'config');
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || join(home(env), '.aws', 'credentials');
  const profile = opts.profile || env.AWS_PROFILE || 'default';
  const config = readIni(configFile);
  const creds = readIni(credentialsFile);
  const fromConfig = config[profile === 'default' ? 'default' : `profile ${profile}`] ?? (profile === 'default' ? {} : config[profile] ?? {});
  const profileSettings = { ...(creds[profile] ?? {}), ...fromConfig };

  let source: AwsCredentialSource = 'none';
  let sso: AwsDetection['sso'];
  // An answers file's `profile: default` names what the chain uses anyway; only another profile
  // (or AWS_PROFILE) makes the chain skip env keys.
  const explicitProfile = Boolean((opts.profile && opts.profile !== 'default') || env.AWS_PROFILE);
  if (!explicitProfile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) source = 'env';
  else if (profileSettings.sso_session || profileSettings.sso_start_url) {
    source = 'sso';
    const session = profileSettings.sso_session;
    sso = { session, startUrl: profileSettings.sso_start_url ?? (session ? config[`sso-session ${session}`]?.sso_start_url : undefined) };
  } else if (profileSettings.credential_process) source = 'process';
  else if (profileSettings.web_identity_token_file) source = 'web-identity';
  else if (profileSettings.role_arn) source = 'assume-role';
  else if (profileSettings.aws_access_key_id) source = 'profile';
  else if (!explicitProfile && env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) source = 'web-identity';
  else if (!explicitProfile && env.AWS_EC2_METADATA_DISABLED !== 'true') source = 'instance-role';

  // The JS SDK reads AWS_REGION and the profile's region, not AWS_DEFAULT_REGION.
  let region: string | undefined;
  let regionSource: AwsDetection['regionSource'];
  if (opts.region) [region, regionSource] = [opts.region, 'answers'];
  else if (env.AWS_REGION) [region, regionSource] = [env.AWS_REGION, 'AWS_REGION'];
  else if (profileSettings.region) [region, regionSource] = [profileSettings.region, 'profile'];
  return { source, profile, profileSettings, region, regionSource, sso, configFile, credentialsFile };
}

/** The exact command that fixes a credential problem of this source. */
export function awsFixCommand(d: Pick<AwsDetection, 'source' | 'profile'>): string {
  const flag = d.profile === 'default' ? '' : ` --profile ${d.profile}`;
  if (d.source === 'sso') return `aws sso login${flag}`;
  return `aws configure${flag}`;
}

// ---- GCP ---------------------------------------------------------------------------------

export interface GcpDetection {
  source: NonNullable<GcpFacts['adcSource']>;
  /** The ADC file in use, if any. */
  file?: string;
  /** Its parsed JSON (never printed: it can hold a private key or refresh token). */
  credentials?: Record<string, unknown>;
  /** Project from env, the key file, or gcloud's configuration. */
  project?: string;
  /** Where `project` came from, for the "found in" notes. */
  projectSource?: 'env' | 'key-file' | 'gcloud-config';
  quotaProject?: string;
}

/**
 * The project `gcloud config get-value project` would print, read from its files instead of
 * starting gcloud (a second or more): CLOUDSDK_CORE_PROJECT, else `project` in the [core] section
 * of the active configuration (CLOUDSDK_ACTIVE_CONFIG_NAME, else the active_config file, else
 * "default").
 */
export function gcloudConfigProject(env: NodeJS.ProcessEnv, configDir: string): string | undefined {
  if (env.CLOUDSDK_CORE_PROJECT) return env.CLOUDSDK_CORE_PROJECT;
  const read = (f: string) => {
    try {
      return readFileSync(join(configDir, f), 'utf8');
    } catch {
      return undefined;
    }
  };
  const active = env.CLOUDSDK_ACTIVE_CONFIG_NAME || read('active_config')?.trim() || 'default';
  if (!/^[-\w.]+$/.test(active)) return undefined;
  let section = '';
  for (const raw of (read(join('configurations', `config_${active}`)) ?? '').split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1].trim();
    else if (section === 'core') {
      const kv = /^project\s*[=:]\s*(.*)$/.exec(line);
      if (kv && kv[1].trim()) return kv[1].trim();
    }
  }
  return undefined;
}

/** No Application Default Credentials of any kind: what that means and what to run. */
export const GCP_NO_CREDENTIALS = { cause: 'no GCP credentials (no Application Default Credentials on this machine)', fix: 'gcloud auth application-default login' };

/** ADC order: GOOGLE_APPLICATION_CREDENTIALS -> gcloud's ADC file -> metadata server. */
export function detectGcp(env: NodeJS.ProcessEnv): GcpDetection {
  const configDir = env.CLOUDSDK_CONFIG || join(home(env), '.config', 'gcloud');
  const file = env.GOOGLE_APPLICATION_CREDENTIALS || (existsSync(join(configDir, 'application_default_credentials.json')) ? join(configDir, 'application_default_credentials.json') : undefined);
  // The order google-auth-library's getProjectId() uses: env, then the key file, then gcloud.
  const envProject = env.GOOGLE_CLOUD_PROJECT || env.GCLOUD_PROJECT || undefined;
  const fallback = (fromFile?: string): Pick<GcpDetection, 'project' | 'projectSource'> => {
    if (envProject) return { project: envProject, projectSource: 'env' };
    if (fromFile) return { project: fromFile, projectSource: 'key-file' };
    const configured = gcloudConfigProject(env, configDir);
    return configured ? { project: configured, projectSource: 'gcloud-config' } : {};
  };
  if (file) {
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    const type = json?.type;
    const source = type === 'service_account' ? 'key-file' : type === 'authorized_user' ? 'gcloud-user' : type === 'external_account' ? 'external-account' : 'none';
    return {
      source,
      file,
      credentials: json,
      ...fallback(typeof json?.project_id === 'string' ? json.project_id : undefined),
      quotaProject: env.GOOGLE_CLOUD_QUOTA_PROJECT || (typeof json?.quota_project_id === 'string' ? json.quota_project_id : undefined),
    };
  }
  if (env.METADATA_SERVER_DETECTION === 'none') return { source: 'none', ...fallback() };
  return { source: 'metadata', ...fallback(), quotaProject: env.GOOGLE_CLOUD_QUOTA_PROJECT || undefined };
}

// ---- Kubernetes --------------------------------------------------------------------------

/** Reads the platform and its coordinates from a context name and its API server URL. */
export function classifyKubeContext(context: string, server = ''): Pick<KubernetesFacts, 'platform' | 'project' | 'region' | 'account' | 'cluster'> {
  const gke = /^gke_([^_]+)_([^_]+)_(.+)$/.exec(context);
  if (gke) return { platform: 'gke', project: gke[1], region: gke[2], cluster: gke[3] };
  const eks = /^arn:aws[-a-z]*:eks:([^:]+):(\d{12}):cluster\/(.+)$/.exec(context);
  if (eks) return { platform: 'eks', region: eks[1], account: eks[2], cluster: eks[3] };
  let host = '';
  try {
    host = new URL(server).hostname;
  } catch {
    host = '';
  }
  const eksHost = /\.([a-z0-9-]+)\.eks\.amazonaws\.com$/.exec(host);
  if (eksHost) return { platform: 'eks', region: eksHost[1] };
  if (host.endsWith('.azmk8s.io')) return { platform: 'aks', region: /\.([a-z0-9]+)\.azmk8s\.io$/.exec(host)?.[1] };
  const kind = /^kind-(.+)$/.exec(context);
  if (kind) return { platform: 'kind', cluster: kind[1] };
  return { platform: 'other' };
}
