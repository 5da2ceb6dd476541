import type { FlagSpec, ParsedArgs } from './flags.js';

/** What every command receives: parsed flags plus the process streams (tests swap them). */
export interface CommandContext {
  args: ParsedArgs;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** True when both stdin and stderr are terminals and CI is not set. */
  interactive: boolean;
  debug: boolean;
}

export interface CommandModule {
  run(ctx: CommandContext): Promise<number>;
}

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
  namespace: { name: 'namespace', short: 'n', type: 'string', valueName: 'NS', description: 'namespace (overrides the answers file)' },
  chart: { name: 'chart', type: 'string', valueName: 'REF', description: 'chart: OCI reference, local directory or .tgz (default: the answers file)' },
  chartVersion: { name: 'chart-version', type: 'string', valueName: 'VERSION', description: 'chart version (overrides the answers file)' },
  outputDir: { name: 'output-dir', type: 'string', valueName: 'DIR', description: 'folder to write values and manifests into' },
  includeSecrets: { name: 'include-secrets', type: 'boolean', description: 'also write secret values and Secret manifests (files of mode 0600)' },
  timeout: { name: 'timeout', type: 'string', valueName: 'DURATION', description: 'how long to wait for the release to become ready (default 10m)' },
  output: { name: 'output', short: 'o', type: 'string', valueName: 'FORMAT', description: 'output format: text, json or ndjson' },
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
    flags: [f.answers, f.yes, f.kubeContext, f.kubeconfig, f.namespace, f.chart, f.chartVersion, f.timeout, f.output, f.outputDir],
    load: () => import('../commands/install.js'),
  },
  {
    name: 'render',
    summary: 'write the chart values and manifests to a folder (no cluster needed)',
    usage: 'bucketeer-install render --answers FILE [--output-dir DIR] [--chart REF] [flags]',
    flags: [f.answers, f.namespace, f.chart, f.chartVersion, f.outputDir, f.includeSecrets, f.kubeContext],
    load: () => import('../commands/render.js'),
  },
  {
    name: 'schema',
    summary: 'print the JSON Schema of the answers file',
    usage: 'bucketeer-install schema',
    flags: [],
    load: () => import('../commands/schema.js'),
  },
];
