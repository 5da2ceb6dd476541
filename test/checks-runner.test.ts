// The one check runner (src/checks/runner.ts): dependencies, failures as data, fatal checks.
import { describe, expect, it } from 'vitest';
import { runChecks, type CheckGroupSpec, type CheckSpec } from '../src/checks/runner.js';
import { EnvironmentError } from '../src/errors.js';

const spec = (id: string, run: CheckSpec['run'], extra: Partial<CheckSpec> = {}): CheckSpec => ({ id, category: 'test', title: id, run, ...extra });

describe('runChecks', () => {
  it('runs a check after what it depends on, skips it when that failed, and keeps the given order', async () => {
    const order: string[] = [];
    const { checks, fatalFailures } = await runChecks([
      spec('b', async () => (order.push('b'), { status: 'pass' }), { dependsOn: ['a'] }),
      spec('a', async () => (await new Promise((r) => setTimeout(r, 20)), order.push('a'), { status: 'pass', detail: 'up' })),
      spec('c', async () => (order.push('c'), { status: 'fail', detail: 'down' }), { fatal: true, hint: 'fix c' }),
      spec('d', async () => (order.push('d'), { status: 'pass' }), { dependsOn: ['c'], fatal: true }),
    ]);
    expect(order.indexOf('a')).toBeLessThan(order.indexOf('b'));
    expect(order).not.toContain('d');
    expect(checks.map((c) => [c.id, c.status])).toEqual([['b', 'pass'], ['a', 'pass'], ['c', 'fail'], ['d', 'skip']]);
    expect(checks[2]).toEqual({ id: 'c', category: 'test', title: 'c', status: 'fail', detail: 'down', hint: 'fix c' });
    expect(checks[3].detail).toBe('needs c, which failed');
    expect(fatalFailures.map((c) => c.id)).toEqual(['c', 'd']);
  });

  it('a check that throws is a failure with the error and its hint, not a crash', async () => {
    const { checks } = await runChecks([spec('x', async () => { throw new EnvironmentError('no helm', 'install helm'); })]);
    expect(checks).toEqual([{ id: 'x', category: 'test', title: 'x', status: 'fail', detail: 'no helm', hint: 'install helm' }]);
  });

  it('refuses an unknown dependency and a cycle', async () => {
    await expect(runChecks([spec('a', async () => ({ status: 'pass' }), { dependsOn: ['nope'] })])).rejects.toThrow(/unknown check nope/);
    await expect(runChecks([spec('a', async () => ({ status: 'pass' }), { dependsOn: ['b'] }), spec('b', async () => ({ status: 'pass' }), { dependsOn: ['a'] })])).rejects.toThrow(/cycle/);
  });

  it('a group reports its checks in its place, or one <id>.skipped row with the blocker\'s reason; after orders without gating', async () => {
    const group = (id: string, runAll: CheckGroupSpec['runAll'], extra: Partial<CheckGroupSpec> = {}): CheckGroupSpec => ({ id, category: id, title: `${id} checks`, runAll, ...extra });
    const seen: string[] = [];
    const { checks } = await runChecks([
      spec('cluster', async () => ({ status: 'fail', detail: 'refused' }), { blocksWith: 'the cluster is not reachable' }),
      spec('release', async () => (await new Promise((r) => setTimeout(r, 20)), seen.push('release'), { status: 'fail', title: 'release x' })),
      group('pods', async () => [{ category: 'pods', id: 'pods.a', title: 'a', status: 'pass' }], { dependsOn: ['cluster'] }),
      group('values', async () => (seen.push('values'), [{ category: 'values', id: 'values.a', title: 'a', status: 'warn' }, { category: 'values', id: 'values.b', title: 'b', status: 'pass' }]), { after: ['release'] }),
      group('empty', async () => []),
    ]);
    expect(checks.map((c) => [c.id, c.status])).toEqual([['cluster', 'fail'], ['release', 'fail'], ['pods.skipped', 'skip'], ['values.a', 'warn'], ['values.b', 'pass']]);
    expect(checks[1].title).toBe('release x');
    expect(checks[2]).toEqual({ id: 'pods.skipped', category: 'pods', title: 'pods checks', status: 'skip', detail: 'the cluster is not reachable' });
    expect(seen).toEqual(['release', 'values']);
    await expect(runChecks([spec('a', async () => ({ status: 'pass' })), spec('a', async () => ({ status: 'pass' }))])).rejects.toThrow(/same id: a/);
  });
});
