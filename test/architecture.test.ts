// The layering of src/: the CLI (src/cli.ts, src/cli/, src/commands/) parses flags and calls the
// services; nothing below it imports it, and no module imports itself back through others.
// Static imports, re-exports and lazy import() calls all count: a lazy import still ties the
// modules together.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from './helpers/tools.js';

const IMPORT = /(?:^|[^.\w])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [relative(repoRoot, path)] : [];
  });
}

/** src-relative file -> the src files it imports. */
function importGraph(): Map<string, string[]> {
  const files = sourceFiles(join(repoRoot, 'src'));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const deps = new Set<string>();
    for (const m of readFileSync(join(repoRoot, file), 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith('.')) continue;
      const target = relative(repoRoot, resolve(repoRoot, dirname(file), spec)).replace(/\.js$/, '');
      const hit = [`${target}.ts`, `${target}.tsx`, `${target}/index.ts`].find((c) => known.has(c));
      if (!hit) throw new Error(`${file} imports ${spec}, which is not a file under src/`);
      deps.add(hit);
    }
    graph.set(file, [...deps]);
  }
  return graph;
}

/** Strongly connected components of more than one file (or a file importing itself): the cycles. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const inCliLayer = (file: string) => file === 'src/cli.ts' || file.startsWith('src/cli/') || file.startsWith('src/commands/');

describe('architecture of src/', () => {
  const graph = importGraph();

  it('reads the real tree', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('src/cli.ts')).toContain('src/cli/commands.ts');
    expect(graph.get('src/cli/commands.ts')).toContain('src/commands/install.ts');
  });

  it('nothing below the CLI layer imports src/cli.ts, src/cli/ or src/commands/', () => {
    const upward = [...graph].flatMap(([file, deps]) => (inCliLayer(file) ? [] : deps.filter(inCliLayer).map((d) => `${file} -> ${d}`)));
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('the cycle finder finds a cycle where there is one', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c']]);
  });
});
