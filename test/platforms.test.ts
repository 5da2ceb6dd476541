// The one list of platforms (src/platforms): the answers enum, detection, the wizard's choice and
// the hints all read it, so every platform is one module there.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { parse } from 'yaml';
import { AnswersSchema, type Answers } from '../src/answers/schema.js';
import { detectPlatform, PLATFORM_IDS, PLATFORMS, platformById, platformOfCluster } from '../src/platforms/index.js';
import { questionsFor, type Values } from '../src/ui/flow.js';
import { factsFromPatch } from '../src/ui/probe-adapter.js';
import { repoRoot } from './helpers/tools.js';

const home = () => mkdtempSync(join(tmpdir(), 'home-'));

const example = (name: string) => parse(readFileSync(join(repoRoot, 'examples/answers', `${name}.yaml`), 'utf8')) as Record<string, unknown>;
const issuesOf = (answers: unknown) => AnswersSchema.safeParse(answers).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('platforms', () => {
  it('the answers schema accepts exactly the listed ids', () => {
    expect(PLATFORM_IDS).toEqual(PLATFORMS.map((p) => p.id));
    const r = AnswersSchema.safeParse({ version: 1, platform: 'azure' });
    expect(r.success).toBe(false);
    const issue = r.error!.issues.find((i) => i.path[0] === 'platform');
    expect(issue?.message).toContain(PLATFORM_IDS.map((id) => `"${id}"`).join('|'));
  });

  it('the answers hold an optional block under the id of each platform that defines one, checked by its rules', () => {
    const withBlock = PLATFORMS.filter((p) => p.answersBlock).map((p) => p.id);
    expect(withBlock).toEqual(expect.arrayContaining(['gcp', 'aws']));
    expect(Object.keys(AnswersSchema.shape).filter((k) => (PLATFORM_IDS as string[]).includes(k))).toEqual(withBlock);
    const gcp = example('gcp');
    expect(issuesOf(gcp)).toEqual([]);
    expect(issuesOf({ ...gcp, gcp: { project: 'My_Project', region: 'tokyo', workloadIdentity: { serviceAccount: 'me@example.com' } } })).toEqual([
      'gcp.project: must be a GCP project id (6-30 lower-case letters, digits, hyphens)',
      'gcp.region: must be a GCP region such as asia-northeast1',
      'gcp.workloadIdentity.serviceAccount: must be a service account email ending in .iam.gserviceaccount.com',
    ]);
    const aws = example('aws');
    expect(issuesOf(aws)).toEqual([]);
    expect(issuesOf({ ...aws, aws: { region: 'tokyo', zone: 'a' } })).toEqual(['aws.region: must be an AWS region such as ap-northeast-1', expect.stringMatching(/^aws: .*zone/)]);
    // Optional in the shape; the chosen platform's validate asks for its own.
    expect(issuesOf({ ...aws, aws: undefined })).toEqual(['aws: aws: {region} is required when platform is aws']);
    expectTypeOf<Answers['gcp']>().toEqualTypeOf<{ project: string; region: string; workloadIdentity?: { serviceAccount: string } } | undefined>();
    expectTypeOf<Answers['aws']>().toEqualTypeOf<{ region: string; profile?: string } | undefined>();
  });

  it('the wizard offers every platform, in the list order', () => {
    const [platform] = questionsFor({}, { facts: [], env: {} });
    expect(platform.kind === 'select' && platform.items.map((i) => i.value)).toEqual(PLATFORM_IDS);
  });

  it('detection: a managed cluster decides; else the one cloud whose credentials were set up; else other', () => {
    expect(platformOfCluster('gke')?.id).toBe('gcp');
    expect(platformOfCluster('eks')?.id).toBe('aws');
    expect(platformOfCluster('kind')).toBeUndefined();
    const empty = { HOME: home(), AWS_EC2_METADATA_DISABLED: 'true' };
    expect(detectPlatform(empty, { platform: 'gke' })).toBe('gcp');
    expect(detectPlatform({ ...empty, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' }, { platform: 'kind' })).toBe('aws');
    const keyFile = join(empty.HOME, 'key.json');
    writeFileSync(keyFile, JSON.stringify({ type: 'service_account', project_id: 'p', client_email: 'a@p.iam.gserviceaccount.com', private_key: 'k' }));
    expect(detectPlatform({ ...empty, GOOGLE_APPLICATION_CREDENTIALS: keyFile })).toBe('gcp');
    // Both clouds: nothing says which one to probe.
    expect(detectPlatform({ ...empty, GOOGLE_APPLICATION_CREDENTIALS: keyFile, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' })).toBe('other');
    expect(detectPlatform(empty)).toBe('other');
  });

  it('a cloud platform names its managed services in the fix hints; other has none', () => {
    expect(platformById('gcp').hints.mysqlLogBinTrust).toMatch(/gcloud sql instances patch/);
    expect(platformById('aws').hints.redisNoeviction?.({ platform: 'aws' })).toMatch(/ElastiCache/);
    expect(platformById('other').hints).toEqual({});
    expect(() => platformById('azure')).toThrow(/unknown platform azure/);
  });

  it("the wizard's platform default: the managed cluster's platform, else the first cloud (in list order) whose probes found the credentials' identity", () => {
    const platformQuestion = (facts: ReturnType<typeof factsFromPatch>) => questionsFor({}, { facts, env: {} })[0];
    const aws = factsFromPatch({ aws: { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/a' } });
    const gcp = factsFromPatch({ gcp: { project: { id: 'proj-1' } } });
    expect(platformQuestion(aws)).toMatchObject({ initial: 'aws', source: 'AWS account 123456789012' });
    expect(platformQuestion([...aws, ...gcp])).toMatchObject({ initial: 'gcp', source: 'gcloud project proj-1' });
    const eks = factsFromPatch({ kubernetes: { context: 'arn:aws:eks:us-east-1:123456789012:cluster/c', platform: 'eks' } });
    expect(platformQuestion([...gcp, ...eks])).toMatchObject({ initial: 'aws', source: 'EKS context arn:aws:eks:us-east-1:123456789012:cluster/c' });
    const kind = factsFromPatch({ kubernetes: { context: 'kind-dev', platform: 'kind' } });
    expect(kind).toContainEqual(expect.objectContaining({ kind: 'kube-context', platform: 'other' }));
    expect(platformQuestion([...gcp, ...kind])).toMatchObject({ initial: 'other', source: 'context kind-dev' });
    expect(platformQuestion([])).toMatchObject({ initial: 'other', source: 'nothing detected' });
  });

  it("the wizard's defaults a platform gives: BigQuery's location is the GCP region; without a cloud the sign-in starts as demo", () => {
    const question = (v: Values, id: string) => questionsFor(v, { facts: [], env: {} }).find((q) => q.id === id);
    expect(question({ platform: 'gcp', 'gcp.region': 'asia-northeast1', 'wh.type': 'bigquery' }, 'wh.location')).toMatchObject({ initial: 'asia-northeast1', source: 'the GCP region' });
    expect(question({ platform: 'gcp', 'wh.type': 'bigquery' }, 'wh.location')).toMatchObject({ initial: '', source: undefined });
    expect(question({ platform: 'other' }, 'auth.method')).toMatchObject({ initial: 'demo' });
    expect(question({ platform: 'gcp' }, 'auth.method')).toMatchObject({ initial: 'google' });
    expect(question({ platform: 'aws' }, 'auth.method')).toMatchObject({ initial: 'google' });
  });
});
