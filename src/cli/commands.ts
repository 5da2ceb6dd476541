import type { CommandInfo, CommandModule } from './context.js';
import { COMMAND_OUTPUTS, PLATFORM_FLAG_VALUES, wordList, type FlagSpec } from './flags.js';
import { PREPARE_STEP_NAMES } from '../prepare/types.js';
import { SHELLS } from '../completion/shells.js';
import { DEFAULT_DOCTOR_HEALTH_WINDOW_MS, DEFAULT_HEALTH_WINDOW_MS, DEFAULT_NAMESPACE, DEFAULT_PROBE_TIMEOUT_MS, DEFAULT_RELEASE, DEFAULT_TIMEOUT_MS, DEFAULT_VERSION_TIMEOUT_MS, formatDuration } from '../settings.js';

export type { CommandContext, CommandModule } from './context.js';

export interface CommandSpec extends CommandInfo {
  /** Loaded only when the command runs, so --help and --version stay light. */
  load: () => Promise<CommandModule>;
}

const f = {
  answers: { name: 'answers', type: 'string', valueName: 'FILE', description: 'answers file (YAML); with it nothing prompts' },
  yes: { name: 'yes', short: 'y', type: 'boolean', description: 'accept defaults and confirm without asking' },
  kubeContext: { name: 'kube-context', aliases: ['context'], type: 'string', valueName: 'NAME', description: 'kubeconfig context to use (default: current context); --context works too' },
  kubeconfig: { name: 'kubeconfig', type: 'string', valueName: 'FILE', description: 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)' },
  namespace: { name: 'namespace', short: 'n', type: 'string', valueName: 'NS', description: `namespace (default: the answers file, else ${DEFAULT_NAMESPACE})` },
  chart: { name: 'chart', type: 'string', valueName: 'REF', description: 'chart: OCI reference, repo/chart, local directory or .tgz (default: the answers file)' },
  chartVersion: { name: 'chart-version', type: 'string', valueName: 'VERSION', description: 'chart version (overrides the answers file)' },
  outputDir: { name: 'output-dir', type: 'string', valueName: 'DIR', description: 'folder to write values and manifests into' },
  includeSecrets: { name: 'include-secrets', type: 'boolean', description: 'also write secret values and Secret manifests (files of mode 0600)' },
  timeout: { name: 'timeout', type: 'string', valueName: 'DURATION', description: `how long to wait for the release to become ready (default ${formatDuration(DEFAULT_TIMEOUT_MS)})` },
  /** helm release name and namespace, for the commands that act on an installed release and read no answers file. */
  installedRelease: { name: 'release', type: 'string', valueName: 'NAME', description: `helm release name (default ${DEFAULT_RELEASE})` },
  installedNamespace: { name: 'namespace', short: 'n', type: 'string', valueName: 'NS', description: `namespace of the release (default ${DEFAULT_NAMESPACE})` },
  skipPrepare: { name: 'skip-prepare', type: 'list', valueName: 'STEP', values: PREPARE_STEP_NAMES, description: 'skip a prepare step you handle yourself: database, warehouse, messaging or redis (repeatable)' },
  recreateSubscriptions: { name: 'recreate-subscriptions', type: 'boolean', description: 'delete and recreate Pub/Sub subscriptions whose ordering differs from the answers (drops their backlog)' },
  force: { name: 'force', type: 'boolean', description: 'turn refusals that have a workaround into warnings (a Redis maxmemory-policy other than noeviction; fewer Redis Streams partitions than deployed)' },
  release: { name: 'release', type: 'string', valueName: 'NAME', description: `helm release name (default: the answers file, else ${DEFAULT_RELEASE})` },
  skipBootstrap: { name: 'skip-bootstrap', type: 'boolean', description: 'do not create the first organization, project, environments and SDK keys through Bucketeer\'s API' },
  skipSmoke: { name: 'skip-smoke', type: 'boolean', description: 'do not run the smoke test (create, evaluate and archive a throwaway flag)' },
  healthWindow: { name: 'health-window', type: 'string', valueName: 'DURATION', description: `how long restart counts must stay still after install (default ${formatDuration(DEFAULT_HEALTH_WINDOW_MS)})` },
} satisfies Record<string, FlagSpec>;

/** --output with the formats `command` prints. */
const outputFlag = (command: keyof typeof COMMAND_OUTPUTS): FlagSpec => ({ name: 'output', short: 'o', type: 'string', valueName: 'FORMAT', values: COMMAND_OUTPUTS[command], description: `output format: ${wordList(COMMAND_OUTPUTS[command])}` });

export const globalFlags: FlagSpec[] = [
  { name: 'help', short: 'h', type: 'boolean', description: 'show help for a command' },
  { name: 'debug', type: 'boolean', description: 'show stack traces and subprocess commands' },
];

export const commands: CommandSpec[] = [
  {
    name: 'install',
    summary: 'install Bucketeer (the wizard on a terminal; --answers FILE for no prompts)',
    usage: 'bucketeer-install install [--answers FILE] [flags]',
    flags: [f.answers, f.yes, { name: 'dry-run', type: 'boolean', description: 'run preflight and print the plan (values, objects, prepare steps), change nothing; read rights suffice (missing write rights warn)' }, f.kubeContext, f.kubeconfig, f.namespace, f.release, f.chart, f.chartVersion, f.timeout, f.healthWindow, outputFlag('install'), f.skipPrepare, f.recreateSubscriptions, f.force, f.skipBootstrap, f.skipSmoke],
    examples: [
      { command: 'bucketeer-install', description: 'the wizard (on a terminal)' },
      { command: 'bucketeer-install install --answers bucketeer.yaml -y --timeout 15m', description: 'install from an answers file, no prompt' },
      { command: 'bucketeer-install install --answers bucketeer.yaml --context prod -n bucketeer --release bkt -y', description: 'another context, namespace and release name than the file says' },
      { command: 'bucketeer-install install --answers bucketeer.yaml -y -o ndjson', description: 'one JSON event a line, for CI' },
      { command: 'bucketeer-install install --answers bucketeer.yaml --dry-run', description: 'preflight and the plan, nothing changed' },
    ],
    load: () => import('../commands/install.js'),
  },
  {
    name: 'upgrade',
    summary: 'upgrade an installed release: show the values and resource diff, apply, verify, roll back on failure',
    usage: 'bucketeer-install upgrade [--answers FILE] [--chart REF] [--chart-version V] [--yes | --dry-run] [--force] [flags]',
    flags: [
      { ...f.answers, description: 'new answers file; replaces the stored one (default: the answers stored with the release)' },
      f.chart,
      f.chartVersion,
      f.kubeContext,
      f.kubeconfig,
      f.namespace,
      f.release,
      f.yes,
      { name: 'dry-run', type: 'boolean', description: 'print the values diff, resource diff and restarts, change nothing (no --yes needed; read rights suffice)' },
      { ...f.force, description: 'allow a downgrade to an older chart version or fewer Redis Streams partitions; a Redis maxmemory-policy other than noeviction becomes a warning' },
      f.skipPrepare,
      f.recreateSubscriptions,
      { ...f.skipSmoke, description: 'do not run the smoke test beside the health checks (a failing smoke test rolls the upgrade back)' },
      f.timeout,
      f.healthWindow,
      outputFlag('upgrade'),
    ],
    examples: [
      { command: 'bucketeer-install upgrade --chart-version v2.4.0 -y', description: 'same answers as stored with the release, newer chart' },
      { command: 'bucketeer-install upgrade --answers bucketeer.yaml -n bucketeer', description: 'new answers file; shows the diff and asks' },
      { command: 'bucketeer-install upgrade --chart-version v2.4.0 --dry-run -o json', description: 'review an upgrade in CI: the plan and the result as one JSON document, nothing changed' },
    ],
    load: () => import('../commands/upgrade.js'),
  },
  {
    name: 'render',
    summary: 'write the chart values and manifests to a folder (no cluster needed)',
    usage: 'bucketeer-install render --answers FILE [--output-dir DIR] [--chart REF] [flags]',
    flags: [f.answers, f.namespace, f.release, f.chart, f.chartVersion, f.outputDir, f.includeSecrets, { ...f.kubeContext, description: 'context written into the rendered answers (render reads no cluster); --context works too' }, { ...f.kubeconfig, description: 'accepted like --kube-context; render reads no cluster' }],
    examples: [
      { command: 'bucketeer-install render --answers bucketeer.yaml --output-dir out', description: 'values, in-cluster and prepare manifests (secrets masked)' },
      { command: 'bucketeer-install render --answers bucketeer.yaml --chart oci://ghcr.io/bucketeer-io/chart/bucketeer --chart-version v2.3.0', description: 'also the chart rendered by helm template (manifests.yaml)' },
    ],
    load: () => import('../commands/render.js'),
  },
  {
    name: 'doctor',
    summary: 'read-only checks; --pre: preflight of credentials, middleware, quotas and capacity before an install',
    usage: 'bucketeer-install doctor [--pre] [--release NAME] [--output json|text] [--strict] [flags]',
    flags: [
      { name: 'pre', type: 'boolean', description: 'preflight: check the cloud and cluster before installing (like linkerd check --pre)' },
      { name: 'smoke', type: 'boolean', description: 'also run the smoke test: create, evaluate and archive a throwaway flag (the only doctor check that writes)' },
      { name: 'platform', type: 'string', valueName: 'NAME', values: [...PLATFORM_FLAG_VALUES], description: `${wordList(PLATFORM_FLAG_VALUES)} (default: the answers file, else detected from the context and credentials)` },
      outputFlag('doctor'),
      { name: 'probe-timeout', type: 'string', valueName: 'DURATION', description: `time each probe or API request may take (default ${formatDuration(DEFAULT_PROBE_TIMEOUT_MS)})` },
      { name: 'strict', type: 'boolean', description: 'exit 1 on warnings too' },
      f.kubeContext,
      f.kubeconfig,
      f.namespace,
      f.release,
      { ...f.healthWindow, description: `how long restart counts must stay still (default ${formatDuration(DEFAULT_DOCTOR_HEALTH_WINDOW_MS)})` },
      { ...f.answers, description: 'answers file (optional): namespace, release and context; for --pre also sizing and messaging choices for capacity, quota and messaging advice' },
    ],
    examples: [
      { command: 'bucketeer-install doctor -n bucketeer', description: 'check an installed release' },
      { command: 'bucketeer-install doctor --pre --platform aws --answers bucketeer.yaml -o json', description: 'preflight before an install' },
    ],
    load: () => import('../commands/doctor.js'),
  },
  {
    name: 'uninstall',
    summary: 'helm uninstall of the release; keeps the data (PVCs, Secrets, stored answers) unless --purge; never deletes cloud resources',
    usage: 'bucketeer-install uninstall [--release NAME] [-n NS] [--yes] [--purge] [flags]',
    flags: [
      f.installedRelease,
      f.installedNamespace,
      f.kubeContext,
      f.kubeconfig,
      { ...f.yes, description: 'confirm without asking (needed without a terminal)' },
      { name: 'purge', type: 'boolean', description: 'also delete every object bucketeer-install created: PVCs (the in-cluster MySQL/Redis data), Secrets, stored answers, the namespace it created' },
      { ...f.timeout, description: `how long to wait for the release and the objects to go (default ${formatDuration(DEFAULT_TIMEOUT_MS)})` },
    ],
    examples: [
      { command: 'bucketeer-install uninstall -n bucketeer', description: 'remove the release, keep the data; lists what remains' },
      { command: 'bucketeer-install uninstall -n bucketeer --purge -y', description: 'remove everything bucketeer-install created in the cluster, without a prompt' },
    ],
    load: () => import('../commands/uninstall.js'),
  },
  {
    name: 'version',
    summary: "versions: this tool, helm, and the deployed release's chart and app where the cluster answers",
    usage: 'bucketeer-install version [--output text|json] [flags]',
    flags: [
      outputFlag('version'),
      f.kubeContext,
      f.kubeconfig,
      f.installedNamespace,
      f.installedRelease,
      { ...f.timeout, description: `how long helm and each cluster request may take (default ${formatDuration(DEFAULT_VERSION_TIMEOUT_MS)})` },
    ],
    examples: [
      { command: 'bucketeer-install version', description: 'all versions as text' },
      { command: 'bucketeer-install version -o json --context prod -n bucketeer', description: 'one JSON object; a field is null with its reason when unreadable' },
    ],
    load: () => import('../commands/version.js'),
  },
  {
    name: 'images',
    summary: 'list every image an install runs, after images.registry (no cluster needed)',
    usage: 'bucketeer-install images --answers FILE [--output text|json]',
    flags: [f.answers, f.chartVersion, outputFlag('images')],
    examples: [
      { command: 'bucketeer-install images --answers bucketeer.yaml', description: 'what to mirror for an air-gapped install' },
      { command: 'bucketeer-install images --answers bucketeer.yaml -o json', description: 'the same as JSON (original and mirrored references)' },
    ],
    load: () => import('../commands/images.js'),
  },
  {
    name: 'completion',
    summary: 'print a shell completion script (bash, zsh or fish) for the commands and flags',
    usage: 'bucketeer-install completion bash|zsh|fish',
    flags: [],
    args: { name: 'SHELL', values: SHELLS },
    examples: [
      { command: 'bucketeer-install completion bash > /etc/bash_completion.d/bucketeer-install', description: 'bash, for every new shell' },
      { command: 'bucketeer-install completion zsh > "${fpath[1]}/_bucketeer-install"', description: 'zsh' },
      { command: 'bucketeer-install completion fish > ~/.config/fish/completions/bucketeer-install.fish', description: 'fish' },
    ],
    load: () => import('../commands/completion.js'),
  },
  {
    name: 'schema',
    summary: 'print the JSON Schema of the answers file',
    usage: 'bucketeer-install schema',
    flags: [],
    examples: [{ command: 'bucketeer-install schema > answers.schema.json', description: 'the JSON Schema for editors' }],
    load: () => import('../commands/schema.js'),
  },
];
