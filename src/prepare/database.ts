// Step "database": the operational MySQL database exists (created when missing), the migration's
// function is allowed (log_bin_trust_function_creators) and the user holds the rights the
// migration needs, including on the `public` database the migration Job creates for atlas's revisions. A MySQL warehouse gets a database of
// its own on the same server, created here too, so the migration's database stays empty until
// the migration runs (atlas refuses a first `migrate apply` on a database that holds tables).
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import { EnvironmentError } from '../errors.js';
import { parseFactLog } from './protocol.js';
import { databaseProgram, evaluateDatabase, runProgram, separateWarehouseDatabase, type EvalOptions, type SqlProgram } from './sql.js';
import type { PrepareContext, PrepareStep, SqlConnection } from './types.js';

export async function withMysql<T>(ctx: PrepareContext, step: string, fn: (c: SqlConnection) => Promise<T>): Promise<T> {
  if (!ctx.mysql) throw new EnvironmentError(`the ${step} step has no MySQL connection`, 'a database reachable only from the cluster is prepared by an in-cluster Job (src/prepare/job.ts)');
  const conn = await ctx.mysql();
  try {
    return await fn(conn);
  } finally {
    await conn.close();
  }
}

export async function runSqlStep(
  ctx: PrepareContext,
  step: string,
  program: SqlProgram,
  mode: 'check' | 'apply',
  evaluate: (log: ReturnType<typeof parseFactLog>, answers: Answers, o: EvalOptions) => Check[],
): Promise<Check[]> {
  const text = await withMysql(ctx, step, (c) => runProgram(c, program, mode));
  return evaluate(parseFactLog(text), ctx.answers, { mode, expectPrepared: ctx.options?.expectPrepared });
}

/** The program for these answers: the operational database and the separate warehouse one. */
export const databaseProgramFor = (a: Answers) => databaseProgram(a.database.name, separateWarehouseDatabase(a));

export const databaseStep: PrepareStep = {
  name: 'database',
  title: 'Operational database',
  describe: (a) => {
    const wh = separateWarehouseDatabase(a);
    return `database: create MySQL database ${a.database.name}${wh ? ` and warehouse database ${wh}` : ''} if missing; check log_bin_trust_function_creators and that ${a.database.user} may migrate it${wh ? `, write ${wh}` : ''} and create atlas's \`public\` database`;
  },
  check: (ctx) => runSqlStep(ctx, 'database', databaseProgramFor(ctx.answers), 'check', evaluateDatabase),
  apply: (ctx) => runSqlStep(ctx, 'database', databaseProgramFor(ctx.answers), 'apply', evaluateDatabase),
};
