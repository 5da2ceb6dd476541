// What a platform (a cloud, or any Kubernetes) contributes to detection, values, fix hints,
// validation and the wizard. Each platform is one module implementing this interface; the one list
// of them is in ./index.ts. The answers schema builds its platform enum and per-platform rules from
// that list, so these modules import neither the schema nor anything that does (the wizard, the
// plan, the cloud probes, whose hints take the answers): the parts of the answers they read are
// typed here structurally, and a cloud's own block of the answers (`gcp: {...}`) is its module's
// answersBlock. A cloud's probes are in src/probes/<id>.ts, registered by id in
// src/probes/clouds.ts.
import type * as Zod from '../answers/zod.js';
import type { FactsPatch, KubernetesFacts } from '../probes/types.js';

/**
 * A platform's own block of the answers file, under its id (`gcp: {project, region}`), built from
 * the zod builders the answers schema passes in. The platform modules import only zod's types:
 * --platform lists their ids on the CLI's start-up path, which must not load zod.
 */
export type AnswersBlock = (z: typeof Zod) => Zod.ZodObject;

/** The parts of the answers any platform reads, besides its own block. */
interface SharedPlatformAnswers {
  platform: string;
  messaging?: { ordering?: 'none' | 'per-partition' | 'per-key' };
  ingress?: { staticIPNames?: unknown };
}

/**
 * The parts of the answers a platform reads: the shared ones and, for a platform with a block, that
 * block typed from its schema (for a Platform of any id, the shared ones only).
 */
export type PlatformAnswers<Id extends string = string, Block extends AnswersBlock | undefined = AnswersBlock | undefined> = SharedPlatformAnswers &
  (Block extends AnswersBlock ? { [K in Id]?: Zod.infer<ReturnType<Block>> } : unknown);

export interface PlatformIssue {
  path: string[];
  message: string;
}

/** A text question of the wizard's Cloud or Ingress section; the wizard adds the section and validation. */
export interface PlatformTextQuestion {
  id: string;
  title: string;
  help?: string[];
  initial?: string;
  /** Where the initial value came from. */
  source?: string;
  /** The answers path the text fills, for the schema's message. */
  path: string[];
  placeholder?: string;
  optional?: boolean;
}

/**
 * Something a cloud's probes found, as the wizard keeps it (its facts). Each platform names its own
 * kinds ("gcp-project", "rds-instance"), makes them from its probes' facts and reads them back.
 */
export interface CloudFinding {
  kind: string;
}

/** A platform's reader of its own findings: those of one kind, typed as the platform declares them. */
export function findingsOf<F extends CloudFinding>() {
  return <K extends F['kind']>(findings: readonly CloudFinding[], kind: K) => findings.filter((f): f is Extract<F, { kind: K }> => f.kind === kind);
}

/** How the environment screen shows a kind of finding: on the identity or the services row, in which words. */
export interface FindingLine {
  about: 'identity' | 'services';
  text(f: CloudFinding): string;
}

/** A line for each of a platform's finding kinds, each reading its own kind. */
export type FindingLines<F extends CloudFinding> = { [K in F['kind']]: { about: FindingLine['about']; text(f: Extract<F, { kind: K }>): string } };

/** What the wizard's probes found, as the platforms' questions read it. */
export interface WizardDetected {
  /** The kube context the probes looked at. */
  kubeContext?: string;
  /** Every cloud's findings; each platform reads its own kinds. */
  findings: readonly CloudFinding[];
}

/** A managed instance the probes found, as a choice of the Database or Redis question. */
export interface ManagedChoice {
  label: string;
  value: string;
  hint: string;
  /** The answers it fills in (host and port, address and cluster mode). */
  sets: Record<string, string>;
  /** A Redis's maxmemory-policy, when known: the review warns unless it is noeviction. */
  maxmemoryPolicy?: string;
}

/** One line on a Redis's maxmemory-policy: anything but noeviction drops events when memory fills. */
export const maxmemoryPolicyHint = (p: string | undefined): string =>
  p === undefined ? 'maxmemory-policy unknown' : p === 'noeviction' ? 'maxmemory-policy noeviction ✓' : `maxmemory-policy ${p} ✗ must be noeviction`;

/** The platform's part of the wizard: its Cloud questions and the answers block they fill. */
export interface PlatformWizard {
  /** The region a kube context of this platform's managed Kubernetes names. */
  regionOfContext(context: string): string | undefined;
  cloudQuestions<Q>(input: { values: Readonly<Record<string, string>>; env: NodeJS.ProcessEnv; detected: WizardDetected; text(q: PlatformTextQuestion): Q }): Q[];
  /** Where the probes found its managed instances ("found in project P"), the source of the found choices. */
  foundIn(detected: WizardDetected): string;
  managedMysql(detected: WizardDetected): ManagedChoice[];
  managedRedis(detected: WizardDetected): ManagedChoice[];
  /** The answers' block for this platform (e.g. `gcp: {...}`) from the recorded values; undefined until its first question is answered. */
  draft(values: Readonly<Record<string, string>>): Record<string, unknown> | undefined;
  /** Questions the platform's Ingress needs (GKE's gce Ingress: reserved static IPs). */
  ingressQuestions?<Q>(input: { text(q: PlatformTextQuestion): Q }): Q[];
  /** What those answers add to `ingress` in the answers. */
  ingressDraft?(values: Readonly<Record<string, string>>): Record<string, unknown>;
  // What its probes found, for the environment screen and the defaults.
  /** Its probes' facts as the wizard's findings. */
  findings(patch: FactsPatch): CloudFinding[];
  /** How the environment screen shows each kind of its findings. */
  findingLines: Record<string, FindingLine>;
  /** Whose credentials its probes found ("gcloud project P"), if they found them: the platform question's default and its source. */
  identity(findings: readonly CloudFinding[]): string | undefined;
  /** The region its Cloud questions recorded, and how the wizard names it where it is a default (BigQuery's location). */
  region?(values: Readonly<Record<string, string>>): { value: string; source: string } | undefined;
}

export interface Platform<Id extends string = string, Block extends AnswersBlock | undefined = AnswersBlock | undefined> {
  /** The value of `platform` in the answers and of --platform. */
  readonly id: Id;
  /** Its block of the answers file, under the key `id`; undefined for a platform with no settings of its own. */
  readonly answersBlock: Block;
  /** The wizard's choice for it. */
  readonly choice: { label: string; hint: string };
  /** The managed Kubernetes whose kube context means this platform (detection). */
  readonly clusterKind?: NonNullable<KubernetesFacts['platform']>;
  /** Credentials for this cloud that the user set up on purpose, not a VM's own identity (detection). */
  hasExplicitCredentials?(env: NodeJS.ProcessEnv): boolean;
  /** Bucketeer's services use Google Cloud clients here (env.gcpEnabled), so Pub/Sub and BigQuery can be chosen. */
  readonly googleServices: boolean;
  /** With no managed MySQL or Redis found, they go in the cluster (the wizard's default, doctor --pre's sizing). */
  readonly middlewareInCluster: boolean;
  /** What the answers must hold on this platform, beyond the schema's shape. */
  validate?(answers: PlatformAnswers<Id, Block>): PlatformIssue[];
  /** Fix hints naming this platform's managed services. */
  readonly hints: {
    /** MySQL: how to set log_bin_trust_function_creators on its managed MySQL. */
    mysqlLogBinTrust?: string;
    /** MySQL: how to let its managed MySQL accept connections without TLS (require_secure_transport off). */
    mysqlRequireSecureTransport?: string;
    /** Redis: how to get its managed Redis without AUTH. */
    redisAuthOff?: string;
    /** Redis: how to get its managed Redis with a plain (non-TLS) port. */
    redisTlsOff?: string;
    /** Redis: how to set maxmemory-policy noeviction on its managed Redis. */
    redisNoeviction?(answers: PlatformAnswers<Id, Block>): string;
    /** Messaging advice at an expected event rate. */
    messagingNotes?(eventsPerSecond: number | undefined): string[];
  };
  /** The wizard's Cloud section, for a cloud. */
  readonly wizard?: PlatformWizard;
  /** The platform row of the wizard's summary. */
  summary(answers: PlatformAnswers<Id, Block>): string;
}
