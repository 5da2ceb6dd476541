// Step "database": the operational MySQL database exists (created when missing), the migration's
// function is allowed (log_bin_trust_function_creators) and the user holds the rights the
// migration needs, including on the `public` database the migration Job creates for atlas's revisions.
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import { EnvironmentError } from '../errors.js';
import { parseFactLog } from './protocol.js';
import { databaseProgram, evaluateDatabase, runProgram, type EvalOptions, type SqlProgram } from './sql.js';
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

export const databaseStep: PrepareStep = {
  name: 'database',
  title: 'Operational database',
  describe: (a) =>
    `database: create MySQL database ${a.database.name} if missing; check log_bin_trust_function_creators and that ${a.database.user} may migrate it and create atlas's \`public\` database`,
  check: (ctx) => runSqlStep(ctx, 'database', databaseProgram(ctx.answers.database.name), 'check', evaluateDatabase),
  apply: (ctx) => runSqlStep(ctx, 'database', databaseProgram(ctx.answers.database.name), 'apply', evaluateDatabase),
};
