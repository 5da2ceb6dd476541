// Warehouse step for BigQuery against a local server speaking datasets.insert / tables.insert
// (and the .get calls the step reads back with). Postgres refusal with a fake query function.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restClient } from '../../src/prepare/adapters.js';
import type { SqlConnection } from '../../src/prepare/types.js';
import { warehouseStep } from '../../src/prepare/warehouse.js';
import { answers, gcpAnswers } from './peers.js';

interface Recorded {
  method: string;
  path: string;
  body?: any;
}

function fakeBigQuery() {
  const datasets = new Map<string, any>();
  const tables = new Map<string, any>();
  const calls: Recorded[] = [];
  let forbid = false;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      const path = req.url ?? '';
      calls.push({ method: req.method ?? '', path, body });
      const send = (status: number, obj: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      const err = (status: number, message: string) => send(status, { error: { code: status, message } });
      if (req.headers.authorization !== 'Bearer test-token') return err(401, 'no token');
      if (forbid) return err(403, 'Access Denied: bigquery.datasets.create');
      let m: RegExpExecArray | null;
      if ((m = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets$/.exec(path)) && req.method === 'POST') {
        const key = `${m[1]}:${body.datasetReference.datasetId}`;
        if (datasets.has(key)) return err(409, `Already Exists: Dataset ${key}`);
        datasets.set(key, body);
        return send(200, body);
      }
      if ((m = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)$/.exec(path)) && req.method === 'GET') {
        const d = datasets.get(`${m[1]}:${m[2]}`);
        return d ? send(200, d) : err(404, 'Not found: Dataset');
      }
      if ((m = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables$/.exec(path)) && req.method === 'POST') {
        if (!datasets.has(`${m[1]}:${m[2]}`)) return err(404, 'Not found: Dataset');
        const key = `${m[1]}:${m[2]}.${body.tableReference.tableId}`;
        if (tables.has(key)) return err(409, `Already Exists: Table ${key}`);
        tables.set(key, body);
        return send(200, body);
      }
      if ((m = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/.exec(path)) && req.method === 'GET') {
        const t = tables.get(`${m[1]}:${m[2]}.${m[3]}`);
        return t ? send(200, t) : err(404, 'Not found: Table');
      }
      err(400, `unexpected ${req.method} ${path}`);
    });
  });
  return { server, datasets, tables, calls, setForbid: (f: boolean) => (forbid = f) };
}

describe('BigQuery warehouse', () => {
  const bq = fakeBigQuery();
  let baseUrl = '';
  beforeAll(async () => {
    await new Promise<void>((r) => bq.server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(bq.server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => bq.server.close(() => r())));

  const a = gcpAnswers({ warehouse: { type: 'bigquery', dataset: 'bucketeer_events', location: 'asia-northeast1' } });
  const api = () => restClient({ baseUrl, token: async () => 'test-token', timeoutMs: 5000, apiName: 'BigQuery' });

  it('creates the dataset and both tables with BigQuery types', async () => {
    const checks = await warehouseStep.apply({ answers: a, bigquery: api() });
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['warehouse.bigquery.dataset', 'pass'],
      ['warehouse.bigquery.evaluation_event', 'pass'],
      ['warehouse.bigquery.goal_event', 'pass'],
    ]);
    expect(bq.datasets.get('bkt-test-proj:bucketeer_events')).toEqual({ datasetReference: { projectId: 'bkt-test-proj', datasetId: 'bucketeer_events' }, location: 'asia-northeast1' });
    const types = (t: string) => Object.fromEntries(bq.tables.get(`bkt-test-proj:bucketeer_events.${t}`).schema.fields.map((f: any) => [f.name, f.type]));
    expect(types('evaluation_event')).toEqual({
      id: 'STRING',
      environment_id: 'STRING',
      timestamp: 'TIMESTAMP',
      feature_id: 'STRING',
      feature_version: 'INTEGER',
      user_id: 'STRING',
      user_data: 'JSON',
      variation_id: 'STRING',
      reason: 'STRING',
      tag: 'STRING',
      source_id: 'STRING',
    });
    expect(types('goal_event')).toMatchObject({ goal_id: 'STRING', value: 'FLOAT', user_data: 'JSON', timestamp: 'TIMESTAMP', feature_version: 'INTEGER' });
    expect(Object.keys(types('goal_event'))).toHaveLength(13);
    expect(bq.tables.get('bkt-test-proj:bucketeer_events.goal_event').timePartitioning).toEqual({ type: 'DAY', field: 'timestamp' });
  });

  it('a second apply creates nothing', async () => {
    const before = bq.calls.length;
    const checks = await warehouseStep.apply({ answers: a, bigquery: api() });
    expect(checks.every((c) => c.status === 'pass')).toBe(true);
    expect(bq.calls.slice(before).filter((c) => c.method === 'POST')).toEqual([]);
    expect(checks.map((c) => (c.facts as any)?.created)).toEqual([false, false, false]);
  });

  it('treats 409 on insert as already there and checks the existing schema', async () => {
    // A table made elsewhere without `value`: the step reports it rather than pretending.
    bq.tables.set('bkt-test-proj:bucketeer_events.goal_event', { schema: { fields: [{ name: 'id', type: 'STRING' }] } });
    const checks = await warehouseStep.check({ answers: a, bigquery: api() });
    const goal = checks.find((c) => c.id === 'warehouse.bigquery.goal_event')!;
    expect(goal.status).toBe('fail');
    expect(goal.detail).toContain('value missing');
  });

  it('a dataset in another location fails with the fix', async () => {
    const elsewhere = gcpAnswers({ warehouse: { type: 'bigquery', dataset: 'bucketeer_events', location: 'US' } });
    const checks = await warehouseStep.apply({ answers: elsewhere, bigquery: api() });
    expect(checks[0]).toMatchObject({ id: 'warehouse.bigquery.dataset', status: 'fail', hint: 'set warehouse.location: asia-northeast1, or choose another warehouse.dataset' });
  });

  it('permission denied names the role', async () => {
    bq.setForbid(true);
    try {
      const other = gcpAnswers({ warehouse: { type: 'bigquery', dataset: 'other_ds', location: 'US' } });
      const [c] = await warehouseStep.apply({ answers: other, bigquery: api() });
      expect(c.status).toBe('fail');
      expect(c.detail).toContain('HTTP 403');
      expect(c.hint).toContain('roles/bigquery.dataEditor');
    } finally {
      bq.setForbid(false);
    }
  });

  it('an API that never answers fails with a timeout message', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const client = restClient({ baseUrl: `http://127.0.0.1:${(silent.address() as { port: number }).port}`, timeoutMs: 300, apiName: 'BigQuery' });
      await expect(warehouseStep.check({ answers: a, bigquery: client })).rejects.toThrow(/BigQuery did not answer GET \/bigquery\/v2\/projects\/bkt-test-proj\/datasets\/bucketeer_events within 300ms/);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describe('Postgres warehouse', () => {
  const pg = answers({ warehouse: { type: 'postgres', host: 'pg.internal', database: 'events', user: 'bkt', password: { env: 'PG_PW' } } });
  const fake = (installed: string | null, available: string | null): (() => Promise<SqlConnection>) => async () => ({
    async query(sql) {
      const value = sql.includes('pg_available_extensions') ? available : installed;
      const name = sql.includes('pg_available_extensions') ? 'timescaledb_available' : 'timescaledb';
      return [{ f0: 'BKTPREP', f1: 'var', f2: name, f3: value ?? '' }];
    },
    async close() {},
  });

  it('refuses without TimescaleDB and says why', async () => {
    const [c] = await warehouseStep.apply({ answers: pg, postgres: fake(null, null) });
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/TimescaleDB extension is not installed in events: .*hypertables/);
    expect(c.hint).toMatch(/RDS and Cloud SQL do not/);
  });

  it('says how to enable it when the server offers it', async () => {
    const [c] = await warehouseStep.check({ answers: pg, postgres: fake(null, '2.14.2') });
    expect(c.status).toBe('fail');
    expect(c.hint).toContain('CREATE EXTENSION IF NOT EXISTS timescaledb;');
  });

  it('passes the extension check when installed and warns that tables are not created', async () => {
    const checks = await warehouseStep.check({ answers: pg, postgres: fake('2.14.2', '2.14.2') });
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['warehouse.postgres.timescaledb', 'pass'],
      ['warehouse.postgres.tables', 'warn'],
    ]);
  });
});
