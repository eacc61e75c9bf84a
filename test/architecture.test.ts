/**
 * The direction of the house, checked: every module sits on a floor
 * (docs/architecture.md's layers) and imports only from its own floor or
 * below; the domain never imports GraphQL, the plugins, the transports or
 * the site; and no module imports itself through others. Read from the
 * sources' own relative imports, so a new file is covered the moment it
 * exists (and a file on no floor fails until it is given one).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const srcDir = resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sourceFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

/** Every module's relative imports (type-only ones included: they couple the code too), as paths under src/. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) =>
      relative(srcDir, resolve(dirname(file), m[1]!)).replace(/\.js$/, '.ts'),
    );
    graph.set(relative(srcDir, file), [...new Set(targets)]);
  }
  return graph;
}

/**
 * The floors, bottom first (docs/architecture.md, "Layers"): a module may import from its own floor and the
 * floors below, never from one above.
 */
const floors: [name: string, members: string[]][] = [
  ['foundation', ['db/', 'auth/', 'observability/', 'config.ts', 'errors.ts', 'access.ts', 'viewer.ts', 'global-id.ts', 'text-guard.ts', 'input-guard.ts', 'request-id.ts', 'logger.ts', 'page-size.ts']],
  ['domain', ['editing/', 'loaders/', 'live/', 'linking/', 'formats/', 'webhooks/', 'edge/', 'seed/']],
  ['context', ['context.ts', 'cache-scope.ts']],
  ['API', ['schema/', 'plugins/']],
  ['connections and the site', ['transport/', 'site/', 'graphiql.ts']],
  ['wiring', ['app.ts']],
  ['entry point', ['main.ts']],
];
const floorOf = (path: string) => floors.findIndex(([, members]) => under(path, members));

const domain = ['db/', 'loaders/', 'editing/', 'live/', 'formats/', 'edge/', 'observability/', 'access.ts', 'viewer.ts', 'errors.ts'];
const outer = ['schema/', 'plugins/', 'transport/', 'site/', 'context.ts', 'app.ts', 'graphiql.ts', 'main.ts'];
const under = (path: string, prefixes: string[]) => prefixes.some((p) => path === p || path.startsWith(p));

describe('architecture', () => {
  const graph = importGraph();

  it('reads the import graph (a broken reader would pass everything)', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('live/bus.ts')).toContain('live/load-events.ts');
  });

  it('puts every module on a floor, and imports nothing from a floor above its own', () => {
    expect([...graph.keys()].filter((path) => floorOf(path) < 0)).toEqual([]);
    const upward = [...graph].flatMap(([from, targets]) =>
      targets.filter((t) => floorOf(t) > floorOf(from)).map((t) => `${from} (${floors[floorOf(from)]![0]}) → ${t} (${floors[floorOf(t)]![0]})`),
    );
    expect(upward).toEqual([]);
  });

  it('keeps the domain free of GraphQL, plugins, transports and the site', () => {
    const leaks = [...graph].flatMap(([from, targets]) => (under(from, domain) ? targets.filter((t) => under(t, outer)).map((t) => `${from} → ${t}`) : []));
    expect(leaks).toEqual([]);
  });

  it('keeps metrics and tracing at the bottom, like the logger: they import nothing of Diretta, so any layer may use them', () => {
    const observability = [...graph].filter(([from]) => from.startsWith('observability/'));
    expect(observability.length).toBeGreaterThan(3);
    const leaks = observability.flatMap(([from, targets]) => targets.filter((t) => !t.startsWith('observability/')).map((t) => `${from} → ${t}`));
    expect(leaks).toEqual([]);
  });

  it('keeps the API side from importing the site', () => {
    const leaks = [...graph].flatMap(([from, targets]) =>
      under(from, ['schema/', 'plugins/', 'transport/', 'formats/']) ? targets.filter((t) => under(t, ['site/'])).map((t) => `${from} → ${t}`) : [],
    );
    expect(leaks).toEqual([]);
  });

  it('has no import cycle outside the schema types (Pothos types refer to each other by design)', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const walk = (node: string, path: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') {
        const cycle = path.slice(path.indexOf(node));
        if (!cycle.every((m) => m.startsWith('schema/types/'))) cycles.push([...cycle, node].join(' → '));
        return;
      }
      state.set(node, 'open');
      for (const next of graph.get(node) ?? []) walk(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) walk(node, []);
    expect(cycles).toEqual([]);
  });
});
