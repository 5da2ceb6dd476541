// Bad input of every kind: exit 2, a short message naming the key or flag (and the line), no
// stack trace, and no file written.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { runCli } from './helpers/cli.js';
import { repoRoot } from './helpers/tools.js';

const example = (p: string) => readFileSync(join(repoRoot, 'examples/answers', `${p}.yaml`), 'utf8');

/** The in-cluster example with one key changed (path in dot form; undefined deletes it). */
function variant(edits: Record<string, unknown>, base = 'in-cluster'): string {
  const doc = parseDocument(example(base));
  for (const [path, value] of Object.entries(edits)) {
    const p = path.split('.');
    if (value === undefined) doc.deleteIn(p);
    else doc.setIn(p, value);
  }
  return doc.toString();
}

interface Case {
  name: string;
  /** Answers file text, or a function that creates the input and returns the path to pass. */
  answers?: string | Buffer | ((dir: string) => string);
  args?: string[];
  env?: Record<string, string>;
  /** What stderr must mention: the key or flag, and the line where there is one. */
  expect: RegExp[];
}

const secretEnv = { BUCKETEER_DB_PASSWORD: 'pw-ok-123', BUCKETEER_DEMO_PASSWORD: 'demo-ok-123' };

const cases: Case[] = [
  { name: 'YAML syntax error', answers: 'version: 1\nplatform: [other\ndatabase: {mode: in-cluster}\n', expect: [/YAML syntax/, /line \d+/] },
  { name: 'bad indentation', answers: 'version: 1\n  platform: other\n', expect: [/line \d+/] },
  { name: 'duplicate key', answers: example('in-cluster') + '\nsizing: large\n', expect: [/line \d+/, /[Dd]uplicate|unique/] },
  { name: 'wrong type: port as text', answers: variant({ 'database.port': 'abc' }), expect: [/database\.port/, /line \d+/] },
  { name: 'wrong type: partitions as text', answers: variant({ 'messaging.partitions': 'many' }), expect: [/messaging\.partitions/] },
  { name: 'wrong type: clusterMode', answers: variant({ 'redis.clusterMode': 'yes' }), expect: [/redis\.clusterMode/] },
  { name: 'unknown top-level key', answers: variant({ databse: { mode: 'in-cluster' } }), expect: [/databse: unknown key; did you mean "database"/, /line \d+/] },
  { name: 'unknown nested key', answers: variant({ 'ingress.webhost': 'x.example.com' }), expect: [/ingress\.webhost: unknown key; did you mean "webHost"/] },
  { name: 'missing required key', answers: variant({ messaging: undefined }), expect: [/messaging: is required/] },
  { name: 'missing redis.addr for external', answers: variant({ 'redis.mode': 'external' }), expect: [/redis\.addr/] },
  { name: 'missing database.host for external', answers: variant({ 'database.mode': 'external' }), expect: [/database\.host/] },
  { name: 'literal secret: database.password', answers: variant({ 'database.password': 'hunter2' }), expect: [/database\.password: a literal secret is not allowed/, /\{env: VAR_NAME\}/] },
  { name: 'literal secret: google clientSecret', answers: variant({ 'auth.google': { clientId: 'abc', clientSecret: 's3cret' } }), expect: [/auth\.google\.clientSecret: a literal secret/] },
  { name: 'invalid enum: platform', answers: variant({ platform: 'azure' }), expect: [/platform: must be one of: gcp, aws, other/] },
  { name: 'wrong version', answers: variant({ version: 2 }), expect: [/version/] },
  { name: 'invalid namespace in file', answers: variant({ 'kubernetes.namespace': 'Bucketeer_NS' }), expect: [/kubernetes\.namespace/, /line \d+/] },
  { name: 'invalid namespace flag', args: ['-n', 'Bad_NS'], expect: [/--namespace/] },
  { name: 'invalid release name', answers: variant({ 'release.name': 'My-Release' }), expect: [/release\.name/] },
  { name: 'release name too long', answers: variant({ 'release.name': 'a'.repeat(54) }), expect: [/release\.name.*53/] },
  { name: 'host with scheme', answers: variant({ 'ingress.webHost': 'https://bucketeer.example.com' }), expect: [/ingress\.webHost: must be a DNS name/] },
  { name: 'host with underscore', answers: variant({ 'ingress.apiHost': 'api_host.example.com' }), expect: [/ingress\.apiHost/] },
  { name: 'port 0', answers: variant({ 'database.mode': 'external', 'database.host': 'db', 'database.port': 0 }), expect: [/database\.port: must be between 1 and 65535/] },
  { name: 'port 70000', answers: variant({ 'database.mode': 'external', 'database.host': 'db', 'database.port': 70000 }), expect: [/database\.port: must be between 1 and 65535/] },
  { name: 'redis addr port out of range', answers: variant({ 'redis.mode': 'external', 'redis.addr': '10.0.0.1:99999' }), expect: [/redis\.addr/] },
  { name: 'ordering per-key with redis-stream', answers: variant({ 'messaging.ordering': 'per-key' }), expect: [/messaging\.ordering/] },
  // Upstream pkg/web/cmd/server/server.go (v2.3.0) creates web's BigQuery querier with its own
  // --project, the project of its Pub/Sub topics too: a dataset in another project is never read.
  { name: 'bigquery in another project than gcp.project', answers: variant({ 'warehouse.project': 'other-analytics-proj' }, 'gcp'), expect: [/line \d+: warehouse\.project: other-analytics-proj differs from gcp\.project my-bucketeer-proj/] },
  { name: 'demo sign-in id with capitals', answers: variant({ 'auth.demoSignIn.environmentId': 'Demo Env' }), expect: [/auth\.demoSignIn\.environmentId: must be 1-64 lower-case letters/] },
  { name: 'partitions 0', answers: variant({ 'messaging.partitions': 0 }), expect: [/messaging\.partitions/] },
  { name: 'gcp platform without gcp block', answers: variant({ platform: 'gcp' }), expect: [/gcp/] },
  { name: 'top level is a list', answers: '- version: 1\n', expect: [/mapping/] },
  { name: 'empty file', answers: '', expect: [/is empty/] },
  { name: 'comments-only file', answers: '# nothing here\n# yet\n', expect: [/is empty/] },
  { name: 'binary file', answers: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0, 0]), expect: [/binary file/] },
  { name: 'a 5 MB file', answers: 'x: ' + 'a'.repeat(5 * 1024 * 1024), expect: [/at most 1 MB/] },
  { name: 'a directory as the file', answers: (dir) => { mkdirSync(join(dir, 'adir')); return join(dir, 'adir'); }, expect: [/--answers .*is a directory/] },
  { name: 'a missing file', answers: (dir) => join(dir, 'nope.yaml'), expect: [/--answers .*no such file/] },
  { name: 'unset env reference', args: ['--include-secrets'], env: { BUCKETEER_DEMO_PASSWORD: 'x' }, expect: [/database\.password: environment variable BUCKETEER_DB_PASSWORD is not set/] },
  {
    name: 'unreadable file reference',
    answers: variant({ 'database.password': { file: 'missing-password.txt' } }),
    args: ['--include-secrets'],
    env: secretEnv,
    expect: [/database\.password: cannot read missing-password\.txt/],
  },
  { name: 'double quote in password', args: ['--include-secrets'], env: { ...secretEnv, BUCKETEER_DB_PASSWORD: 'pa"ss' }, expect: [/database\.password contains a double quote/] },
  { name: 'backslash in password', args: ['--include-secrets'], env: { ...secretEnv, BUCKETEER_DB_PASSWORD: 'pa\\ss' }, expect: [/database\.password contains a backslash/] },
  // The demo password lands in the console's env.js between double quotes, unescaped
  // (upstream manifests/bucketeer/charts/web/templates/env-js-configmap.yaml at v2.3.0).
  {
    name: 'script injection in the demo password',
    args: ['--include-secrets'],
    env: { ...secretEnv, BUCKETEER_DEMO_PASSWORD: 'pw", "API_ENDPOINT":"https://evil.example"};alert(1);//' },
    expect: [/auth\.demoSignIn\.password contains a double quote/, /env\.js/],
  },
  { name: 'line break in the demo password', args: ['--include-secrets'], env: { ...secretEnv, BUCKETEER_DEMO_PASSWORD: 'demo\nline2' }, expect: [/auth\.demoSignIn\.password contains a control character/] },
  {
    name: 'line break in the Google client secret',
    answers: variant({ 'auth.google': { clientId: 'client-1', clientSecret: { env: 'GOOGLE_CLIENT_SECRET' } } }),
    args: ['--include-secrets'],
    env: { ...secretEnv, GOOGLE_CLIENT_SECRET: 'GOCSPX-abc\r\nx' },
    expect: [/auth\.google\.clientSecret contains a control character/],
  },
  // Files that never end: refused at once (opened non-blocking, then fstat), never read.
  {
    name: 'a FIFO as a {file:} secret',
    answers: (dir) => {
      execFileSync('mkfifo', [join(dir, 'db-pipe')]);
      writeFileSync(join(dir, 'fifo.yaml'), variant({ 'database.password': { file: 'db-pipe' } }));
      return join(dir, 'fifo.yaml');
    },
    args: ['--include-secrets'],
    env: secretEnv,
    expect: [/database\.password: db-pipe is a named pipe \(FIFO\), not a regular file/],
  },
  {
    name: '/dev/zero as a {file:} secret',
    answers: variant({ 'auth.demoSignIn.password': { file: '/dev/zero' } }),
    args: ['--include-secrets'],
    env: secretEnv,
    expect: [/auth\.demoSignIn\.password: \/dev\/zero is a character device/],
  },
  {
    name: 'a {file:} secret larger than 64 KB',
    answers: (dir) => {
      writeFileSync(join(dir, 'big-secret'), 'x'.repeat(200 * 1024));
      writeFileSync(join(dir, 'big.yaml'), variant({ 'database.password': { file: 'big-secret' } }));
      return join(dir, 'big.yaml');
    },
    args: ['--include-secrets'],
    env: secretEnv,
    expect: [/database\.password: big-secret is larger than 64 KB/],
  },
  {
    name: 'a FIFO as --answers',
    answers: (dir) => {
      execFileSync('mkfifo', [join(dir, 'answers-pipe')]);
      return join(dir, 'answers-pipe');
    },
    expect: [/--answers .*answers-pipe is a named pipe \(FIFO\), not an answers file/],
  },
  { name: '/dev/zero as --answers', answers: () => '/dev/zero', expect: [/--answers \/dev\/zero is a character device/] },
  {
    name: 'a YAML alias bomb',
    answers: (() => {
      let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x]\n';
      for (let i = 1; i < 10; i++) text += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]\n`;
      return text + example('in-cluster');
    })(),
    expect: [/YAML aliases/],
  },
  // helm would take a chart reference starting with "-" as a flag.
  { name: 'a chart reference starting with - (--chart=-x)', args: ['--chart=--help'], expect: [/--chart: .*cannot start with "-"/] },
  { name: 'a flag as the value of --chart', args: ['--chart', '--help'], expect: [/flag --chart needs a value/] },
  { name: 'release.chart starting with -', answers: variant({ 'release.chart': '--debug' }), expect: [/release\.chart: .*cannot start with "-"/, /line \d+/] },
  {
    name: 'output dir is a dangling link',
    answers: (dir) => {
      symlinkSync(join(dir, 'gone'), join(dir, 'dangling'));
      writeFileSync(join(dir, 'a.yaml'), example('in-cluster'));
      return join(dir, 'a.yaml');
    },
    args: ['--output-dir', 'dangling'],
    expect: [/--output-dir \S*dangling is a symbolic link to a path that does not exist/],
  },
  { name: 'output dir under a file', args: ['--output-dir', 'afile/sub'], expect: [/--output-dir \S*afile\/sub: \S*afile is not a folder/] },
  { name: 'output dir under /proc', args: ['--output-dir', '/proc/bucketeer-render'], expect: [/--output-dir \/proc\/bucketeer-render is under \/proc, a kernel file system/] },
  { name: 'output dir deep under /proc/self', args: ['--output-dir', '/proc/self/a/b'], expect: [/is under \/proc/] },
  { name: 'output dir under /sys', args: ['--output-dir', '/sys/bucketeer-render'], expect: [/is under \/sys/] },
  { name: 'invalid --chart-version', args: ['--chart-version', 'latest!'], expect: [/--chart-version/] },
  { name: 'unknown flag', args: ['--nmespace', 'x'], expect: [/unknown flag --nmespace.*did you mean --namespace/] },
  { name: 'flag without a value', args: ['--output-dir'], expect: [/flag --output-dir needs a value/] },
  { name: 'boolean flag with a value', args: ['--include-secrets=yes'], expect: [/--include-secrets takes no value/] },
  { name: 'output dir is a file', args: ['--output-dir', 'afile'], expect: [/--output-dir .*not a folder/] },
];

describe('bad input exits 2 with a clear message and writes nothing', () => {
  it.each(cases)('$name', async (c) => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-input-'));
    writeFileSync(join(dir, 'afile'), 'not a folder');
    let answersPath = join(dir, 'answers.yaml');
    if (typeof c.answers === 'function') answersPath = c.answers(dir);
    else writeFileSync(answersPath, c.answers ?? example('in-cluster'));
    const before = readdirSync(dir).sort();
    const started = Date.now();
    const r = await runCli(['render', '--answers', answersPath, '--output-dir', join(dir, 'out'), ...(c.args ?? [])], { cwd: dir, env: c.env, timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(Date.now() - started).toBeLessThan(15_000); // never waits on the input
    for (const re of c.expect) expect(r.stderr).toMatch(re);
    expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
    expect(r.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(12);
    expect(r.stdout).toBe('');
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  // root writes anywhere, so a read-only folder can only be shown to another user.
  it.skipIf(process.getuid?.() === 0)('a read-only output folder: exit 2 naming it (skipped as root, who can write anywhere)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-input-'));
    writeFileSync(join(dir, 'a.yaml'), example('in-cluster'));
    mkdirSync(join(dir, 'ro'));
    chmodSync(join(dir, 'ro'), 0o555);
    for (const out of ['ro', 'ro/sub']) {
      const r = await runCli(['render', '--answers', join(dir, 'a.yaml'), '--output-dir', out], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--output-dir \S*ro(\/sub)?.*(not writable|cannot create).*permission denied/);
      expect(r.stderr).not.toMatch(/this is a bug/);
    }
  });

  it('unknown subcommand suggests the closest', async () => {
    const r = await runCli(['rendr']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "rendr"; did you mean "render"\?/);
  });

  it('reports every schema problem at once, each with its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-input-'));
    const file = join(dir, 'a.yaml');
    writeFileSync(file, variant({ platform: 'azure', 'database.port': 'x', 'ingress.webHost': 'Not A Host', extra: 1 }));
    const r = await runCli(['render', '--answers', file, '--output-dir', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/4 problems/);
    for (const key of ['platform', 'database.port', 'ingress.webHost', 'extra']) expect(r.stderr).toMatch(new RegExp(`line \\d+: ${key.replace('.', '\\.')}`));
  });

  it('reports every unset {env} and unreadable {file} secret reference at once, each with its key (render and install)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-input-'));
    const file = join(dir, 'a.yaml');
    writeFileSync(
      file,
      variant({
        'database.password': { file: 'missing-password.txt' },
        'auth.google': { clientId: 'abc.apps.googleusercontent.com', clientSecret: { env: 'UNSET_GOOGLE_SECRET' } },
        'auth.demoSignIn.password': { env: 'UNSET_DEMO_PASSWORD' },
      }),
    );
    for (const args of [['render', '--answers', file, '--output-dir', join(dir, 'out'), '--include-secrets'], ['install', '--answers', file, '--yes']]) {
      const r = await runCli(args, { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/3 secret references cannot be read/);
      expect(r.stderr).toMatch(/- database\.password: cannot read missing-password\.txt/);
      expect(r.stderr).toMatch(/- auth\.google\.clientSecret: environment variable UNSET_GOOGLE_SECRET is not set \(export UNSET_GOOGLE_SECRET=/);
      expect(r.stderr).toMatch(/- auth\.demoSignIn\.password: environment variable UNSET_DEMO_PASSWORD is not set/);
      expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
      expect(existsSync(join(dir, 'out'))).toBe(false);
    }
  });

  it('--debug shows the stack trace that is otherwise hidden', async () => {
    const r = await runCli(['render', '--answers', '/nonexistent/file.yaml', '--debug']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});
