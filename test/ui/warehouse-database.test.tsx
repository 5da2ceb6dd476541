// The MySQL warehouse's database (warehouse.database): asked in the Warehouse section, prefilled
// with <database.name>_warehouse from the name the user gave, checked by the schema at the field,
// and written to the answers file only when it differs from that default.
import { vi } from 'vitest';

vi.hoisted(() => {
  process.env.CI = 'false';
});

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseAnswers } from '../../src/answers/load.js';
import { mysqlWarehouseDatabase } from '../../src/answers/schema.js';
import { buildDraft, questionsFor, type Values } from '../../src/ui/flow.js';
import { answersYaml } from '../../src/ui/save.js';
import { validateAnswers } from '../../src/ui/validate.js';
import type { WizardFact } from '../../src/ui/ports.js';
import { cleanupAfterEach, DEMO_ORGANIZATION, DEMO_SIGN_IN, fakeProbes, HOSTS, KEY, KUBERNETES_AS_DETECTED, play, SAVE_AND_QUIT, startWizard, type ScriptStep, type Session } from './harness.js';

const { tempDir, sessions } = cleanupAfterEach();

const KUBE: WizardFact = { kind: 'kube-context', context: 'kind-dev', platform: 'other', reachable: true };
const ENV = { BUCKETEER_DB_PASSWORD: 'db-pass', BUCKETEER_DEMO_PASSWORD: 'demo-pass' };
const QUESTION = 'MySQL database for the event tables';

/** Another MySQL whose database name is typed as `flags`, up to the warehouse database question. */
async function atWarehouseDatabase(cwd: string): Promise<Session> {
  const s = startWizard({ probes: fakeProbes([KUBE]), cwd, env: ENV });
  sessions.push(s);
  await play(s, [
    ...KUBERNETES_AS_DETECTED,
    { on: 'Where does MySQL 8 live?', key: KEY.up },
    { on: /❯ Another MySQL/ },
    { on: 'MySQL host', type: '10.0.0.5' },
    { on: 'MySQL port' },
  ]);
  await s.waitFor('Database name');
  expect(s.field()).toBe('bucketeer');
  await s.clearField();
  await play(s, [
    { on: 'Database name', type: 'flags' },
    { on: 'MySQL user' },
    { on: 'BUCKETEER_DB_PASSWORD is set' },
    { on: 'Where does Redis' },
    { on: 'Which ordering should messaging be set up for?' },
    { on: 'Number of stream partitions' },
    { on: 'Expected events per second' },
    { on: /❯ MySQL/ },
  ]);
  await s.waitFor(QUESTION);
  return s;
}

/** From the ingress questions to the review: demo sign-in from BUCKETEER_DEMO_PASSWORD. */
const TO_REVIEW: readonly ScriptStep[] = [...HOSTS, { on: /❯ Demo sign-in/ }, ...DEMO_SIGN_IN, ...DEMO_ORGANIZATION, { on: 'How big?' }];

/** From the ingress questions: save the answers file, quit, and read it. */
async function saveAndQuit(s: Session, cwd: string, script: readonly ScriptStep[] = [...TO_REVIEW, ...SAVE_AND_QUIT]): Promise<string> {
  await play(s, script);
  await s.waitFor('Answers saved');
  expect((await s.exit).code).toBe(0);
  return readFileSync(join(cwd, 'bucketeer-answers.yaml'), 'utf8');
}

describe('wizard: the MySQL warehouse database', () => {
  it('is prefilled from the database name given; left as offered, the answers file keeps no warehouse.database', async () => {
    const cwd = tempDir();
    const s = await atWarehouseDatabase(cwd);
    expect(s.field()).toBe('flags_warehouse');
    expect(s.frame()).toContain('default: the database name + _warehouse');
    s.write(KEY.enter);
    await play(s, TO_REVIEW);
    await s.waitFor('Save the answers file');
    // The review names the database the events go to.
    expect(s.frame()).toContain('MySQL, database flags_warehouse');
    const text = await saveAndQuit(s, cwd, SAVE_AND_QUIT);
    // The default is derived, not written: the file says only the type.
    expect(parse(text).warehouse).toEqual({ type: 'mysql' });
    const saved = parseAnswers(text, 'saved');
    expect(saved.database.name).toBe('flags');
    expect(mysqlWarehouseDatabase(saved)).toBe('flags_warehouse');
  });

  it('refuses public and names over 64 characters at the field (the schema\'s messages); another name is saved and read back', async () => {
    const cwd = tempDir();
    const s = await atWarehouseDatabase(cwd);
    await s.clearField();
    await s.type('public');
    await s.press(KEY.enter, "✗ must not be public: Bucketeer's migration keeps its revisions there");
    expect(s.frame()).toContain(QUESTION);
    await s.clearField();
    await s.type('e'.repeat(65));
    await s.press(KEY.enter, '✗ must be a MySQL database name (letters, digits, _; at most 64)');
    expect(s.frame()).toContain(QUESTION);
    await s.clearField();
    await s.type('flag_events');
    s.write(KEY.enter);
    const text = await saveAndQuit(s, cwd);
    expect(parse(text).warehouse).toEqual({ type: 'mysql', database: 'flag_events' });
    expect(mysqlWarehouseDatabase(parseAnswers(text, 'saved'))).toBe('flag_events');
  });

  it('the saved answers read back as the answers the wizard validated, with and without a database of its own', () => {
    const base: Values = {
      platform: 'other',
      'db.source': 'manual',
      'db.host': '10.0.0.5',
      'db.port': '3306',
      'db.name': 'flags',
      'db.user': 'bucketeer',
      'secret.db.how': 'env',
      'redis.source': 'in-cluster',
      'msg.ordering': 'none',
      'wh.type': 'mysql',
      'ing.web': 'bucketeer.example.com',
      'ing.api': 'api.bucketeer.example.com',
      'ing.tls': 'self-signed',
      'auth.method': 'demo',
      'auth.demoEmail': 'admin@example.com',
      'secret.demo.how': 'env',
    };
    const ctx = { facts: [], env: {} };
    for (const [typed, expected] of [[undefined, 'flags_warehouse'], ['flags_warehouse', 'flags_warehouse'], ['flag_events', 'flag_events']] as const) {
      const v = typed === undefined ? base : { ...base, 'wh.mysqlDatabase': typed };
      const draft = buildDraft(v);
      const { answers, problems } = validateAnswers(draft);
      expect(problems).toEqual([]);
      const back = parseAnswers(answersYaml(draft, 'replay'), 'saved');
      expect(back).toEqual(answers);
      expect(mysqlWarehouseDatabase(back)).toBe(expected);
      expect(back.warehouse).toEqual(expected === 'flags_warehouse' ? { type: 'mysql' } : { type: 'mysql', database: expected });
    }
    // The question follows the database name until it is answered.
    expect(questionsFor({ ...base, 'db.name': 'other' }, ctx).find((q) => q.id === 'wh.mysqlDatabase')?.initial).toBe('other_warehouse');
    expect(questionsFor({ ...base, 'db.source': 'in-cluster' }, ctx).find((q) => q.id === 'wh.mysqlDatabase')?.initial).toBe('bucketeer_warehouse');
  });
});
