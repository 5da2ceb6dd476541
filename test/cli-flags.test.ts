// The flag habits helm and kubectl users bring: -y, --context, --release on install, --kubeconfig
// wherever --kube-context is, and an Examples section in every command's --help whose commands
// parse with that command's own flag specs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commands, globalFlags } from '../src/cli/commands.js';
import { parseFlags } from '../src/cli/flags.js';
import { runCli } from './helpers/cli.js';
import { repoRoot } from './helpers/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const example = join(repoRoot, 'examples', 'answers', 'in-cluster.yaml');

describe('flag habits', () => {
  const install = commands.find((c) => c.name === 'install')!;
  const specs = [...install.flags, ...globalFlags];

  it('-y is --yes and --context is --kube-context', () => {
    const { flags } = parseFlags(['-y', '--context', 'prod', '--context=other'], specs, 'install');
    expect(flags.yes).toBe(true);
    expect(flags['kube-context']).toBe('other');
    expect(parseFlags(['--context=prod'], specs, 'install').flags['kube-context']).toBe('prod');
  });

  it('a typo near an alias still gets a suggestion', () => {
    expect(() => parseFlags(['--contxt', 'x'], specs, 'install')).toThrow(/did you mean --context/);
  });

  it.each(commands.filter((c) => c.flags.some((f) => f.name === 'kube-context')).map((c) => c.name))('%s takes --kubeconfig and --context with --kube-context', (name) => {
    const cmd = commands.find((c) => c.name === name)!;
    const kc = cmd.flags.find((f) => f.name === 'kube-context')!;
    expect(kc.aliases).toContain('context');
    expect(cmd.flags.map((f) => f.name)).toContain('kubeconfig');
  });

  it.each(commands.map((c) => c.name))('every example of %s parses with its flag specs', (name) => {
    const cmd = commands.find((c) => c.name === name)!;
    expect(cmd.examples.length).toBeGreaterThan(0);
    for (const e of cmd.examples) {
      const words = e.command.split(/\s+/);
      expect(words[0]).toBe('bucketeer-install');
      const cut = words.indexOf('>');
      const argv = (cut === -1 ? words : words.slice(0, cut)).slice(1);
      const rest = argv[0] === name ? argv.slice(1) : argv;
      const parsed = parseFlags(rest, [...cmd.flags, ...globalFlags], name);
      if (cmd.args) expect(cmd.args.values, e.command).toContain(parsed.positionals[0]);
      else expect(parsed.positionals, e.command).toEqual([]);
    }
  });

  it.each(commands.map((c) => c.name))('%s --help has an Examples section', async (name) => {
    const r = await runCli([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nExamples:\n {2}# .+\n {2}bucketeer-install/);
  });

  it('install --release names the release (render writes the in-cluster MySQL under it)', async () => {
    const out = join(dir, 'release');
    const r = await runCli(['render', '--answers', example, '--release', 'bkt', '--output-dir', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'in-cluster.yaml'), 'utf8')).toContain('name: bkt-mysql');
  });

  it('a bad --release is exit 2 naming --release', async () => {
    const r = await runCli(['install', '--answers', example, '-y', '--release', 'Bad_Name']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: --release: /);
  });

  it('--context reaches the kubeconfig lookup like --kube-context', async () => {
    const kubeconfig = join(dir, 'kubeconfig.yaml');
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: real, context: {cluster: c, user: u}}]\ncurrent-context: real\n',
    );
    const r = await runCli(['install', '--answers', example, '-y', '--context', 'nowhere', '--kubeconfig', kubeconfig], { env: { BUCKETEER_DB_PASSWORD: 'x', BUCKETEER_DEMO_PASSWORD: 'y' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('context "nowhere" is not in the kubeconfig');
  });
});
