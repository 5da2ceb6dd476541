// The step engine's concurrent lanes (the prepare steps run side by side) and how the text sink
// shows steps that run at the same time, and the checks of a checking step (preflight).
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runSteps, StepFailed, type InstallContext, type Step } from '../../src/install/engine.js';
import { textSink, type InstallEvent } from '../../src/install/events.js';
import { Interrupted } from '../../src/errors.js';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new Interrupted());
    }, { once: true });
  });

/** Only what the engine itself reads: the signal, and state for steps to write into. */
const context = (signal: AbortSignal) => ({ signal, state: {}, applied: [] }) as unknown as InstallContext;

const waiting = (id: string, ms: number, seen?: AbortSignal[]): Step => ({
  id,
  title: `Step ${id}`,
  async run(ctx) {
    seen?.push(ctx.signal);
    await sleep(ms, ctx.signal);
    ctx.applied.push(id);
    return `${id} done`;
  },
});

describe('runSteps with concurrent lanes', () => {
  it('runs lanes side by side, each lane in order, then the steps after the group', async () => {
    const events: InstallEvent[] = [];
    const ctx = context(new AbortController().signal);
    await runSteps([waiting('first', 10), { concurrent: [[waiting('a1', 150), waiting('a2', 10)], [waiting('b', 150)], [waiting('c', 150)]] }, waiting('last', 10)], ctx, (e) => events.push(e));
    const order = events.map((e) => `${e.type}:${e.step}`);
    // All three lanes started before any of them finished; a2 only after a1.
    const firstFinishInGroup = order.findIndex((o) => /step-finished:(a1|b|c)/.test(o));
    for (const s of ['a1', 'b', 'c']) expect(order.indexOf(`step-started:${s}`)).toBeLessThan(firstFinishInGroup);
    expect(order.indexOf('step-started:a2')).toBeGreaterThan(order.indexOf('step-finished:a1'));
    expect(order.indexOf('step-started:last')).toBeGreaterThan(Math.max(...['a2', 'b', 'c'].map((s) => order.indexOf(`step-finished:${s}`))));
    expect(ctx.applied.sort()).toEqual(['a1', 'a2', 'b', 'c', 'first', 'last']);
  });

  it('the first failing lane stops its siblings (they say why) and its error is the one thrown', async () => {
    const events: InstallEvent[] = [];
    const seen: AbortSignal[] = [];
    const failing: Step = { id: 'db', title: 'Prepare database', run: async () => { await sleep(20); throw new StepFailed('job/db', 'access denied'); } };
    const after = waiting('never', 1);
    const err = await runSteps([{ concurrent: [[failing], [waiting('slow', 5_000, seen), after]] }, waiting('helm', 1)], context(new AbortController().signal), (e) => events.push(e)).catch((e) => e);
    expect(err).toBeInstanceOf(StepFailed);
    expect((err as StepFailed).reason).toBe('access denied');
    expect(seen[0].aborted).toBe(true);
    expect(events).toContainEqual({ type: 'failed', step: 'db', resource: 'job/db', reason: 'access denied' });
    expect(events).toContainEqual({ type: 'failed', step: 'slow', reason: 'stopped: Prepare database failed' });
    expect(events.map((e) => e.step)).not.toContain('never');
    expect(events.map((e) => e.step)).not.toContain('helm');
  });

  it('a settled group lets the other lanes finish after one fails, then fails with the earliest lane\'s error', async () => {
    const events: InstallEvent[] = [];
    const bootstrapFails: Step = { id: 'bootstrap', title: 'Bootstrap', run: async () => { await sleep(10); throw new StepFailed('web', 'service token refused'); } };
    const healthFails: Step = { id: 'health', title: 'Health checks', run: async (ctx) => { await sleep(80, ctx.signal); throw new StepFailed('pod/api', 'restarted'); } };
    const ctx = context(new AbortController().signal);
    // The health lane keeps its window although bootstrap failed first; its error, the first lane's, is thrown.
    const err = await runSteps([{ concurrent: [[healthFails], [bootstrapFails, waiting('smoke', 1)]], settle: true }, waiting('after', 1)], ctx, (e) => events.push(e)).catch((e) => e);
    expect((err as StepFailed).reason).toBe('restarted');
    expect(events).toContainEqual({ type: 'failed', step: 'bootstrap', resource: 'web', reason: 'service token refused' });
    expect(events).toContainEqual({ type: 'failed', step: 'health', resource: 'pod/api', reason: 'restarted' });
    expect(events.map((e) => e.step)).not.toContain('smoke');
    expect(events.map((e) => e.step)).not.toContain('after');

    // Only the second lane failing: the first still finishes, and the group fails with the second's error.
    const events2: InstallEvent[] = [];
    const err2 = await runSteps([{ concurrent: [[waiting('health', 60)], [bootstrapFails]], settle: true }], context(new AbortController().signal), (e) => events2.push(e)).catch((e) => e);
    expect((err2 as StepFailed).reason).toBe('service token refused');
    expect(events2).toContainEqual({ type: 'step-finished', step: 'health', detail: 'health done' });
  });

  it('an interrupt stops every lane as interrupted', async () => {
    const events: InstallEvent[] = [];
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const err = await runSteps([{ concurrent: [[waiting('a', 5_000)], [waiting('b', 5_000)]] }], context(ac.signal), (e) => events.push(e)).catch((e) => e);
    expect(err).toBeInstanceOf(Interrupted);
    expect(events.filter((e) => e.type === 'failed')).toEqual([
      { type: 'failed', step: 'a', reason: 'interrupted' },
      { type: 'failed', step: 'b', reason: 'interrupted' },
    ]);
  });

  it('a step that could not verify everything finishes as a warning, shown with ! instead of ✓', async () => {
    const events: InstallEvent[] = [];
    const unsure: Step = { id: 'prepare-redis', title: 'Prepare redis', run: async () => ({ detail: 'findings not read', warn: true }) };
    await runSteps([unsure], context(new AbortController().signal), (e) => events.push(e));
    expect(events.at(-1)).toEqual({ type: 'step-finished', step: 'prepare-redis', detail: 'findings not read', status: 'warn' });
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const sink = textSink(out, { tty: false, color: false });
    for (const e of events) sink.emit(e);
    expect(text).toContain('! Prepare redis (findings not read)\n');
    expect(text).not.toContain('✓');
  });

  it('writes through a lane land on the shared context', async () => {
    const ctx = context(new AbortController().signal);
    const writer: Step = { id: 'w', title: 'W', run: async (c) => { c.state.previousRevision = 7; } };
    await runSteps([{ concurrent: [[writer]] }], ctx, () => {});
    expect(ctx.state.previousRevision).toBe(7);
  });
});

describe('text progress with steps side by side', () => {
  const collect = (tty: boolean) => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    return { sink: textSink(out, { tty, color: false }), text: () => text };
  };

  it('without a terminal, progress lines name their step while more than one runs', () => {
    const { sink, text } = collect(false);
    sink.emit({ type: 'step-started', step: 'prepare-database', title: 'Prepare database' });
    sink.emit({ type: 'progress', step: 'prepare-database', message: 'alone' });
    sink.emit({ type: 'step-started', step: 'prepare-redis', title: 'Prepare redis' });
    sink.emit({ type: 'progress', step: 'prepare-redis', message: 'Job started' });
    sink.emit({ type: 'step-finished', step: 'prepare-redis', detail: '1 ok' });
    sink.emit({ type: 'step-finished', step: 'prepare-database' });
    expect(text().split('\n')).toEqual(['• Prepare database', '  alone', '• Prepare redis', '  Prepare redis: Job started', '✓ Prepare redis (1 ok)', '✓ Prepare database', '']);
  });

  it('on a terminal, one spinner line names the latest step and how many others run', () => {
    const { sink, text } = collect(true);
    sink.emit({ type: 'step-started', step: 'a', title: 'Prepare database' });
    sink.emit({ type: 'step-started', step: 'b', title: 'Prepare redis' });
    sink.emit({ type: 'progress', step: 'a', message: 'Job started' });
    expect(text()).toContain('Prepare database (+1 running): Job started');
    sink.emit({ type: 'step-finished', step: 'a' });
    expect(text()).toContain('✓ Prepare database\n');
    // The spinner goes on for the step still running.
    expect(text().slice(text().lastIndexOf('✓ Prepare database\n'))).toMatch(/Prepare redis$/);
    sink.stop();
  });

  it("a checking step's checks: those that did not pass, a line each under the step's line with their hints; the failure the line names is not repeated", () => {
    const { sink, text } = collect(false);
    const pass = { category: 'preflight', id: 'preflight.helm', title: 'helm', status: 'pass' as const, detail: 'v4.1.4' };
    const warn = { category: 'preflight', id: 'preflight.rbac', title: 'permissions', status: 'warn' as const, detail: 'a real run needs: create secrets in ns', hint: 'ask a cluster admin' };
    const fail = { category: 'redis', id: 'redis.transport', title: 'Redis', status: 'fail' as const, detail: 'requires AUTH', hint: 'turn AUTH off' };
    sink.emit({ type: 'step-started', step: 'preflight', title: 'Preflight' });
    sink.emit({ type: 'step-finished', step: 'preflight', detail: 'helm v4.1.4', status: 'warn', checks: [pass, warn] });
    sink.emit({ type: 'step-started', step: 'again', title: 'Preflight of the answers' });
    sink.emit({ type: 'failed', step: 'again', resource: 'Redis', reason: 'requires AUTH', checks: [pass, warn, fail] });
    expect(text().split('\n')).toEqual([
      '• Preflight',
      '! Preflight (helm v4.1.4)',
      '  ! permissions: a real run needs: create secrets in ns',
      '      ask a cluster admin',
      '• Preflight of the answers',
      '✗ Preflight of the answers: Redis: requires AUTH',
      '  ! permissions: a real run needs: create secrets in ns',
      '      ask a cluster admin',
      '',
    ]);
  });
});
