// Install flags given with the wizard: each prefills its question or goes into the saved answers.
// (The namespace prefill is also checked in a real terminal in terminal.test.ts.)
import { describe, expect, it } from 'vitest';
import { buildDraft, questionsFor } from '../../src/ui/flow.js';
import { CHART_REF, CHART_VERSION } from '../../src/chart/facts.js';

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
