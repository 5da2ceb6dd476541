// The parts of zod the answers schema uses. `import { z } from 'zod'` is a namespace object the
// bundler must keep whole, which brings every zod locale (~300 KB) into the CLI; named re-exports
// let it keep only what is used.
export { array, boolean, discriminatedUnion, email, enum, literal, number, strictObject, string, toJSONSchema, union } from 'zod';
export type { infer, input, ZodObject, ZodOptional } from 'zod';
