// Every version comparison goes through src/util/versions.ts (the semver package): chart versions
// for the upgrade's downgrade guard, and the helm, Kubernetes and managed-service minimums.
import { describe, expect, it } from 'vitest';
import { rdsChecks, elasticacheChecks } from '../../src/probes/aws.js';
import { helmSupported, kubernetesSupported } from '../../src/chart/facts.js';
import { chartVersionOf, isDowngrade, meetsMinimum, parseChartVersion } from '../../src/util/versions.js';

describe('chart versions', () => {
  it('orders pre-releases numerically: rc.10 is after rc.9', () => {
    expect(isDowngrade('2.4.0-rc.10', '2.4.0-rc.9')).toBe(false);
    expect(isDowngrade('2.4.0-rc.9', '2.4.0-rc.10')).toBe(true);
    expect(isDowngrade('2.4.0-rc.10', '2.4.0')).toBe(true);
    expect(isDowngrade('2.10.0', '2.9.9')).toBe(false);
    expect(isDowngrade('2.3.0', '2.4.0')).toBe(true);
  });

  it('reads v-prefixed, partial and build-metadata versions instead of 0.0.0', () => {
    expect(parseChartVersion('v2.4')?.version).toBe('2.4.0');
    expect(parseChartVersion('v2.3.0')?.version).toBe('2.3.0');
    expect(parseChartVersion('2.4.0+build.1')?.version).toBe('2.4.0');
    expect(parseChartVersion('2.4.0-rc.10')?.prerelease).toEqual(['rc', 10]);
    expect(parseChartVersion('latest')).toBeUndefined();
    // The old comparison read these as 0.0.0, and the downgrade guard refused them.
    expect(isDowngrade('2.4.0+build.1', '2.3.0')).toBe(false);
    expect(isDowngrade('v2.4', '2.3.0')).toBe(false);
    expect(isDowngrade('2.4.0+build.2', '2.4.0+build.1')).toBe(false);
  });

  it('never calls an unknown deployed version a downgrade', () => {
    expect(isDowngrade('2.3.0', undefined)).toBe(false);
    expect(isDowngrade('2.3.0', 'unreadable')).toBe(false);
  });

  it("finds the version in helm's chart field, whose chart name may hold dashes", () => {
    expect(chartVersionOf('bucketeer-2.3.0')).toBe('2.3.0');
    expect(chartVersionOf('bucketeer-2.4.0-rc.10')).toBe('2.4.0-rc.10');
    expect(chartVersionOf('bucketeer-chart-2.4.0+build.1')).toBe('2.4.0+build.1');
    expect(chartVersionOf('v2.3.0')).toBe('2.3.0');
    expect(chartVersionOf('bucketeer')).toBeUndefined();
  });
});

describe('minimum versions', () => {
  it('Kubernetes (1.27): platform suffixes are not pre-releases, and "30+" minors read', () => {
    expect(kubernetesSupported({ gitVersion: 'v1.27.3-gke.100', major: '1', minor: '27' })).toBe(true);
    expect(kubernetesSupported({ gitVersion: 'v1.27.0-eks-1234', major: '1', minor: '27+' })).toBe(true);
    expect(kubernetesSupported({ gitVersion: 'v1.26.15-eks-1234', major: '1', minor: '26+' })).toBe(false);
    expect(kubernetesSupported({ gitVersion: '', major: '1', minor: '30+' })).toBe(true);
    expect(kubernetesSupported({ gitVersion: 'v2.0.0', major: '2', minor: '0' })).toBe(true);
  });

  it('helm (3.14+ or 4.x): build metadata after the version', () => {
    expect(helmSupported('v3.14.0+g3fc9f4b')).toBe(true);
    expect(helmSupported('v3.13.3+gc8b9489')).toBe(false);
    expect(helmSupported('v4.1.4+g05fa379')).toBe(true);
    expect(meetsMinimum('not a version', '1.0.0')).toBeUndefined();
  });

  it('managed MySQL and Redis: Aurora 2 (MySQL 5.7) fails, Aurora 3 (MySQL 8.0) passes; Redis 6.2+', () => {
    const db = (id: string, engine: string, engineVersion: string) => ({ id, engine, engineVersion, endpoint: 'h', port: 3306, publiclyAccessible: false }) as Parameters<typeof rdsChecks>[0][number];
    const [aurora2, aurora3, mysql57, mysql8] = rdsChecks(
      [db('a2', 'aurora-mysql', '5.7.mysql_aurora.2.11.2'), db('a3', 'aurora-mysql', '8.0.mysql_aurora.3.05.2'), db('m57', 'mysql', '5.7.44'), db('m8', 'mysql', '8.0.35')],
      'ap-northeast-1',
    );
    expect([aurora2.status, aurora3.status, mysql57.status, mysql8.status]).toEqual(['fail', 'pass', 'fail', 'pass']);
    const group = (id: string, engineVersion: string) => ({ id, engineVersion, endpoint: 'r', port: 6379, clusterMode: false, maxmemoryPolicy: 'noeviction' }) as Parameters<typeof elasticacheChecks>[0][number];
    const [old, ok] = elasticacheChecks([group('r6', '6.0.5'), group('r7', '7.1')], 'ap-northeast-1');
    expect(old.detail).toMatch(/older than 6\.2/);
    expect(ok.detail).not.toMatch(/older than/);
  });
});
