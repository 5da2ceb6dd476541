// The one list of platforms (src/platforms): the answers enum, detection, the wizard's choice and
// the hints all read it, so every platform is one module there.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AnswersSchema } from '../src/answers/schema.js';
import { detectPlatform, PLATFORM_IDS, PLATFORMS, platformById, platformOfCluster } from '../src/platforms/index.js';
import { questionsFor } from '../src/ui/flow.js';

const home = () => mkdtempSync(join(tmpdir(), 'home-'));

describe('platforms', () => {
  it('the answers schema accepts exactly the listed ids', () => {
    expect(PLATFORM_IDS).toEqual(PLATFORMS.map((p) => p.id));
    const r = AnswersSchema.safeParse({ version: 1, platform: 'azure' });
    expect(r.success).toBe(false);
    const issue = r.error!.issues.find((i) => i.path[0] === 'platform');
    expect(issue?.message).toContain(PLATFORM_IDS.map((id) => `"${id}"`).join('|'));
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
});
