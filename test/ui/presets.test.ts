// Install flags given with the wizard: each prefills its question or goes into the saved answers.
// (The namespace prefill is also checked in a real terminal in terminal.test.ts.)
import { describe, expect, it } from 'vitest';
import { buildDraft, questionsFor } from '../../src/ui/flow.js';
import { CHART_REF, CHART_VERSION } from '../../src/chart/facts.js';
import { AnswersSchema } from '../../src/answers/schema.js';

const ctx = (presets = {}) => ({ facts: [], env: {}, presets });

describe('wizard presets from install flags', () => {
  it('--namespace and --kube-context become the questions\' answers, still questions', () => {
    const qs = questionsFor({}, ctx({ namespace: 'team-x', kubeContext: 'kind-dev' }));
    expect(qs.find((q) => q.id === 'kube.namespace')).toMatchObject({ kind: 'text', initial: 'team-x', source: 'from --namespace' });
    expect(qs.find((q) => q.id === 'kube.context')).toMatchObject({ kind: 'select', initial: 'kind-dev', source: 'from --kube-context' });
  });

  it('without flags the defaults stay: the chart default namespace, no context question without a cluster', () => {
    const qs = questionsFor({}, ctx());
    expect(qs.find((q) => q.id === 'kube.namespace')).toMatchObject({ initial: 'bucketeer', source: 'the chart default' });
    expect(qs.find((q) => q.id === 'kube.context')).toBeUndefined();
  });

  it('--chart and --chart-version go into the saved answers (release.chart, release.version)', () => {
    expect(buildDraft({ platform: 'other' }, { chart: './chart', chartVersion: '2.3.1' }).release).toEqual({ name: 'bucketeer', chart: './chart', version: '2.3.1' });
    expect(buildDraft({ platform: 'other' }).release).toMatchObject({ name: 'bucketeer', version: CHART_VERSION });
    expect(CHART_REF).toMatch(/^oci:\/\//);
  });
});

describe('wizard defaults', () => {
  it("each text question's initial answer is the default the schema fills in when the key is left out", () => {
    const parsed = AnswersSchema.parse({
      version: 1,
      platform: 'other',
      database: { mode: 'external', host: 'db.internal', password: { env: 'P' } },
      redis: { mode: 'in-cluster' },
      messaging: { backend: 'redis-stream' },
      warehouse: { type: 'postgres', host: 'pg.internal', database: 'x', user: 'x', password: { env: 'W' } },
      ingress: { webHost: 'a.example.com', apiHost: 'b.example.com' },
      auth: { demoSignIn: { enabled: true, email: 'a@example.com', password: { env: 'D' } } },
    });
    const initial = (v: Record<string, string>, id: string) => questionsFor({ platform: 'other', ...v }, ctx()).find((q) => q.id === id)?.initial;
    const manual = { 'db.source': 'manual' };
    expect(initial(manual, 'db.port')).toBe(String(parsed.database.port));
    expect(initial(manual, 'db.name')).toBe(parsed.database.name);
    expect(initial(manual, 'db.user')).toBe(parsed.database.user);
    expect(initial({ 'msg.ordering': 'none' }, 'msg.partitions')).toBe(String(parsed.messaging.partitions));
    expect(initial({ 'wh.type': 'postgres' }, 'wh.port')).toBe(String(parsed.warehouse.type === 'postgres' && parsed.warehouse.port));
    expect(initial({}, 'boot.org')).toBe(parsed.bootstrap.organization.name);
    // The values the screens have always shown.
    expect([initial(manual, 'db.port'), initial(manual, 'db.name'), initial(manual, 'db.user'), initial({}, 'msg.partitions'), initial({ 'wh.type': 'postgres' }, 'wh.port')]).toEqual(['3306', 'bucketeer', 'bucketeer', '16', '5432']);
    // An in-cluster database and Redis get the schema's volume sizes in the saved answers.
    const draft = buildDraft({ platform: 'other', 'db.source': 'in-cluster', 'redis.source': 'in-cluster' });
    expect(draft.database).toMatchObject({ storage: parsed.database.storage });
    expect(draft.redis).toMatchObject({ storage: parsed.redis.storage });
  });
});
