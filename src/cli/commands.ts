import type { CommandModule } from './context.js';
import { COMMAND_OUTPUTS, PLATFORM_FLAG_VALUES, wordList, type FlagSpec } from './flags.js';
import { DEFAULT_DOCTOR_HEALTH_WINDOW_MS, DEFAULT_HEALTH_WINDOW_MS, DEFAULT_NAMESPACE, DEFAULT_PROBE_TIMEOUT_MS, DEFAULT_RELEASE, DEFAULT_TIMEOUT_MS, formatDuration } from '../settings.js';

export type { CommandContext, CommandModule } from './context.js';

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  flags: FlagSpec[];
  /** Loaded only when the command runs, so --help and --version stay light. */
  load: () => Promise<CommandModule>;
}

const f = {
  answers: { name: 'answers', type: 'string', valueName: 'FILE', description: 'answers file (YAML); with it nothing prompts' },
  yes: { name: 'yes', type: 'boolean', description: 'accept defaults and confirm without asking' },
  kubeContext: { name: 'kube-context', type: 'string', valueName: 'NAME', description: 'kubeconfig context to use (default: current context)' },
  kubeconfig: { name: 'kubeconfig', type: 'string', valueName: 'FILE', description: 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)' },
  namespace: { name: 'namespace', short: 'n', type: 'string', valueName: 'NS', description: `namespace (default: the answers file, else ${DEFAULT_NAMESPACE})` },
  chart: { name: 'chart', type: 'string', valueName: 'REF', description: 'chart: OCI reference, repo/chart, local directory or .tgz (default: the answers file)' },
  chartVersion: { name: 'chart-version', type: 'string', valueName: 'VERSION', description: 'chart version (overrides the answers file)' },
  outputDir: { name: 'output-dir', type: 'string', valueName: 'DIR', description: 'folder to write values and manifests into' },
  includeSecrets: { name: 'include-secrets', type: 'boolean', description: 'also write secret values and Secret manifests (files of mode 0600)' },
  timeout: { name: 'timeout', type: 'string', valueName: 'DURATION', description: `how long to wait for the release to become ready (default ${formatDuration(DEFAULT_TIMEOUT_MS)})` },
  output: { name: 'output', short: 'o', type: 'string', valueName: 'FORMAT', description: `output format: ${wordList(COMMAND_OUTPUTS.install)}` },
  skipPrepare: { name: 'skip-prepare', type: 'list', valueName: 'STEP', description: 'skip a prepare step you handle yourself: database, warehouse, messaging or redis (repeatable)' },
  recreateSubscriptions: { name: 'recreate-subscriptions', type: 'boolean', description: 'delete and recreate Pub/Sub subscriptions whose ordering differs from the answers (drops their backlog)' },
  force: { name: 'force', type: 'boolean', description: 'turn refusals that have a workaround into warnings (a Redis maxmemory-policy other than noeviction; fewer Redis Streams partitions than deployed)' },
  release: { name: 'release', type: 'string', valueName: 'NAME', description: `helm release name (default: the answers file, else ${DEFAULT_RELEASE})` },
  skipBootstrap: { name: 'skip-bootstrap', type: 'boolean', description: 'do not create the first organization, project, environments and SDK keys through Bucketeer\'s API' },
  skipSmoke: { name: 'skip-smoke', type: 'boolean', description: 'do not run the smoke test (create, evaluate and archive a throwaway flag)' },
  healthWindow: { name: 'health-window', type: 'string', valueName: 'DURATION', description: `how long restart counts must stay still after install (default ${formatDuration(DEFAULT_HEALTH_WINDOW_MS)})` },
} satisfies Record<string, FlagSpec>;

export const globalFlags: FlagSpec[] = [
  { name: 'help', short: 'h', type: 'boolean', description: 'show help for a command' },
  { name: 'debug', type: 'boolean', description: 'show stack traces and subprocess commands' },
];

export const commands: CommandSpec[] = [
  {
    name: 'install',
    summary: 'install Bucketeer (the wizard on a terminal; --answers FILE for no prompts)',
    usage: 'bucketeer-install install [--answers FILE] [flags]',
    flags: [f.answers, f.yes, f.kubeContext, f.kubeconfig, f.namespace, f.chart, f.chartVersion, f.timeout, f.healthWindow, f.output, f.skipPrepare, f.recreateSubscriptions, f.force, f.skipBootstrap, f.skipSmoke],
    load: () => import('../commands/install.js'),
  },
  {
    name: 'upgrade',
    summary: 'upgrade an installed release: show the values and resource diff, apply, verify, roll back on failure',
    usage: 'bucketeer-install upgrade [--answers FILE] [--chart REF] [--chart-version V] [--yes] [--force] [flags]',
    flags: [
      { ...f.answers, description: 'new answers file; replaces the stored one (default: the answers stored with the release)' },
      f.chart,
      f.chartVersion,
      f.kubeContext,
      f.kubeconfig,
      f.namespace,
      f.release,
      f.yes,
      { ...f.force, description: 'allow a downgrade to an older chart version or fewer Redis Streams partitions; a Redis maxmemory-policy other than noeviction becomes a warning' },
      f.skipPrepare,
      f.recreateSubscriptions,
      { ...f.skipSmoke, description: 'do not run the smoke test after the health checks (a failing smoke test rolls the upgrade back)' },
      f.timeout,
      f.healthWindow,
      { ...f.output, description: `output format: ${wordList(COMMAND_OUTPUTS.upgrade)}` },
    ],
    load: () => import('../commands/upgrade.js'),
  },
  {
    name: 'render',
    summary: 'write the chart values and manifests to a folder (no cluster needed)',
    usage: 'bucketeer-install render --answers FILE [--output-dir DIR] [--chart REF] [flags]',
    flags: [f.answers, f.namespace, f.chart, f.chartVersion, f.outputDir, f.includeSecrets, f.kubeContext],
    load: () => import('../commands/render.js'),
  },
  {
    name: 'doctor',
    summary: 'read-only checks; --pre: preflight of credentials, middleware, quotas and capacity before an install',
    usage: 'bucketeer-install doctor [--pre] [--release NAME] [--output json|text] [--strict] [flags]',
    flags: [
      { name: 'pre', type: 'boolean', description: 'preflight: check the cloud and cluster before installing (like linkerd check --pre)' },
      { name: 'smoke', type: 'boolean', description: 'also run the smoke test: create, evaluate and archive a throwaway flag (the only doctor check that writes)' },
      { name: 'platform', type: 'string', valueName: 'NAME', description: `${wordList(PLATFORM_FLAG_VALUES)} (default: the answers file, else detected from the context and credentials)` },
      { ...f.output, description: `output format: ${wordList(COMMAND_OUTPUTS.doctor)}` },
      { name: 'probe-timeout', type: 'string', valueName: 'DURATION', description: `time each probe or API request may take (default ${formatDuration(DEFAULT_PROBE_TIMEOUT_MS)})` },
      { name: 'strict', type: 'boolean', description: 'exit 1 on warnings too' },
      f.kubeContext,
      f.kubeconfig,
      f.namespace,
      f.release,
      { ...f.healthWindow, description: `how long restart counts must stay still (default ${formatDuration(DEFAULT_DOCTOR_HEALTH_WINDOW_MS)})` },
      { ...f.answers, description: 'answers file (optional): namespace, release and context; for --pre also sizing and messaging choices for capacity, quota and messaging advice' },
    ],
    load: () => import('../commands/doctor.js'),
  },
  {
    name: 'schema',
    summary: 'print the JSON Schema of the answers file',
    usage: 'bucketeer-install schema',
    flags: [],
    load: () => import('../commands/schema.js'),
  },
];
