import { UsageError } from '../errors.js';

/** Parses a helm-style duration ("120s", "5m", "1m30s") into milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of value.matchAll(re)) {
    const n = Number(m[1]);
    total += n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed += m[0].length;
  }
  if (consumed !== value.length || consumed === 0 || total <= 0) {
    throw new UsageError(`flag --${flag} has an invalid duration "${value}"`, `write it like helm does: 90s, 5m or 1m30s`);
  }
  return total;
}
