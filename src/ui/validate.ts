// Inline validation uses the answers schema itself, so the wizard and --answers can never
// disagree. A half-filled draft is laid over a complete, valid filler before parsing: zod runs the
// cross-field rules (e.g. apiHost must differ from webHost) only when the rest of the object
// parses, and the filler makes that true while the user is still on an early question.
import { AnswersSchema, type Answers } from '../answers/schema.js';

const FILLER = {
  version: 1,
  platform: 'other',
  database: { mode: 'in-cluster' },
  redis: { mode: 'in-cluster' },
  messaging: { backend: 'redis-stream' },
  warehouse: { type: 'mysql' },
  ingress: { webHost: 'filler-web.invalid', apiHost: 'filler-api.invalid' },
  auth: { demoSignIn: { enabled: true, email: 'filler@example.com', password: { env: 'FILLER' } } },
};

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Deep merge where `over` wins and undefined leaves of `over` are skipped. */
export function overlay(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isObj(base) || !isObj(over)) return over;
  // A different variant (database mode, warehouse type, secret ref kind) replaces the filler's.
  if ('env' in over || 'file' in over || 'secret' in over) return stripUndefined(over);
  for (const tag of ['mode', 'type', 'backend']) {
    if (tag in over && over[tag] !== base[tag]) return stripUndefined(over);
  }
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) if (v !== undefined) out[k] = overlay(base[k], v);
  return out;
}

/** Copies a draft without its undefined leaves (YAML and deep-equal both prefer them absent). */
export function stripUndefined<T>(x: T): T {
  if (Array.isArray(x)) return x.map(stripUndefined) as T;
  if (!isObj(x)) return x;
  const out: Obj = {};
  for (const [k, v] of Object.entries(x)) if (v !== undefined) out[k] = stripUndefined(v);
  return out as T;
}

const samePath = (a: readonly PropertyKey[], b: readonly string[]) => a.length === b.length && a.every((p, i) => String(p) === b[i]);

/** The schema's messages for one key of a (possibly partial) draft, for showing at that field. */
export function issuesAt(draft: Obj, path: readonly string[]): string[] {
  const r = AnswersSchema.safeParse(overlay(FILLER, draft));
  if (r.success) return [];
  return r.error.issues.filter((i) => samePath(i.path, path)).map((i) => humanMessage(i.message, path));
}

/** Every problem of a complete draft, as "key: message" lines; empty when it is valid. */
export function validateAnswers(draft: Obj): { answers?: Answers; problems: string[] } {
  const r = AnswersSchema.safeParse(draft);
  if (r.success) return { answers: r.data, problems: [] };
  return { problems: r.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${humanMessage(i.message, i.path.map(String))}`) };
}

function humanMessage(message: string, path: readonly string[]): string {
  // Messages written for answers files start with the key; at the field it is already shown.
  const key = path.join('.');
  const m = message.startsWith(`${key} `) ? message.slice(key.length + 1) : message;
  return m
    .replace(/^Invalid input: /, '')
    .replace(/^expected string, received undefined$/, 'is required')
    // Number fields hold text until it is digits only ("1.5", "3x", "-1" stay text).
    .replace(/^expected (number|int), received string$/, 'must be a whole number');
}
