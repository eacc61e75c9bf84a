/**
 * The Grafana dashboard (deploy/grafana/diretta.json) and the alert rules
 * (deploy/prometheus/diretta-alerts.yml) name only metrics the server
 * exports: every PromQL expression is read, its metric names picked out and
 * looked up in a real exposition. promtool (Debian's prometheus package)
 * checks the rules, runs their unit tests, and parses every dashboard
 * expression too.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Exposition, parseExposition } from './helpers/exposition.js';
import { prometheusUnavailable, promtool } from './helpers/prometheus.js';
import { type TestServer, startTestServer } from './helpers/server.js';

const root = join(import.meta.dirname, '..');
const dashboardFile = join(root, 'deploy/grafana/diretta.json');
const rulesFile = join(root, 'deploy/prometheus/diretta-alerts.yml');
const rulesTestFile = join(root, 'deploy/prometheus/diretta-alerts.test.yml');

interface Panel {
  title?: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

/** Every PromQL expression of the dashboard: panel targets and template variable queries, with where each comes from. */
function dashboardExpressions(): { where: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { panels: Panel[]; templating: { list: { name: string; query?: { query: string } | string }[] } };
  const out: { where: string; expr: string }[] = [];
  const walk = (panels: Panel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) out.push({ where: `panel "${panel.title}"`, expr: target.expr });
      walk(panel.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating.list) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    const inner = query && /^label_values\((.+),\s*\w+\)$/.exec(query)?.[1];
    if (inner) out.push({ where: `variable $${variable.name}`, expr: inner });
  }
  return out;
}

/** The `expr:` of every rule in the rules file (one line each). */
function ruleExpressions(): { where: string; expr: string }[] {
  const text = readFileSync(rulesFile, 'utf8');
  return [...text.matchAll(/- alert: (\w+)\n\s+expr: (.+)\n/g)].map((m) => ({ where: `alert ${m[1]}`, expr: m[2]! }));
}

const PROMQL_WORDS = new Set([
  // aggregations and their modifiers
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset',
  // functions
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'histogram_quantile', 'clamp_min', 'clamp_max', 'abs', 'ceil', 'floor', 'round',
  'avg_over_time', 'max_over_time', 'min_over_time', 'sum_over_time', 'count_over_time', 'last_over_time', 'absent', 'absent_over_time',
  'label_replace', 'label_join', 'vector', 'scalar', 'time', 'timestamp', 'changes', 'resets', 'sort', 'sort_desc',
]);

/** The metric names a PromQL expression reads: identifiers outside strings, label matchers and ranges, that are not PromQL's own words. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\w+/g, '')
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, '');
  const names = [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((word) => !PROMQL_WORDS.has(word) && !/^(inf|nan)$/i.test(word));
  return [...new Set(names)];
}

/** Whether the exposition has this series name: a family, or a histogram's _bucket, _sum or _count. */
function exported(exposition: Exposition, name: string): boolean {
  if (exposition.families.has(name)) return true;
  const histogram = /^(.*)_(bucket|sum|count)$/.exec(name);
  return !!histogram && ['histogram', 'summary'].includes(exposition.families.get(histogram[1]!) ?? '');
}

describe('the dashboard and the alert rules', () => {
  let server: TestServer;
  let exposition: Exposition;

  beforeAll(async () => {
    server = await startTestServer({ SEED_DEMO: 'false', METRICS_PORT: '0' });
    exposition = parseExposition(await (await fetch(`${server.app.metricsUrl}/metrics`)).text());
  });
  afterAll(() => server?.stop());

  it('reads the metric names of an expression (a broken reader would pass everything)', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (operation, le) (rate(diretta_x_bucket{job=~"$job",le!="a{b}"}[$__rate_interval])))')).toEqual(['diretta_x_bucket']);
    expect(metricNames('sum(rate(a_total[5m])) / (sum(rate(a_total[5m])) + sum(rate(b_total[5m]))) > 0.5e3')).toEqual(['a_total', 'b_total']);
    expect(metricNames('max by (instance) (diretta_up) == 0')).toEqual(['diretta_up']);
    expect(exported(exposition, 'diretta_graphql_request_duration_seconds_bucket')).toBe(true);
    expect(exported(exposition, 'diretta_database_up')).toBe(true);
    expect(exported(exposition, 'diretta_databse_up')).toBe(false);
    expect(exported(exposition, 'diretta_database_up_count')).toBe(false);
  });

  it('covers what an on-call editor looks at', () => {
    const titles = (JSON.parse(readFileSync(dashboardFile, 'utf8')) as { panels: Panel[] }).panels.map((p) => p.title);
    for (const title of ['Readers connected', 'Delivery lag: commit → dispatch', 'Delivery lag: dispatch → last socket written', 'Request rate by operation', 'Latency p99 by operation', 'Cache hit ratio', 'Database up', 'Pool connections', 'Outbox: oldest waiting', 'Event-loop lag']) {
      expect(titles).toContain(title);
    }
  });

  it('names in every dashboard expression only metrics the server exports', () => {
    const expressions = dashboardExpressions();
    expect(expressions.length).toBeGreaterThan(30);
    const missing = expressions.flatMap(({ where, expr }) => {
      const names = metricNames(expr);
      if (names.length === 0) return [`${where}: names no metric: ${expr}`];
      return names.filter((name) => !exported(exposition, name)).map((name) => `${where}: ${name}`);
    });
    expect(missing).toEqual([]);
  });

  it('names in every alert rule only metrics the server exports', () => {
    const expressions = ruleExpressions();
    expect(expressions.map((e) => e.where)).toContain('alert DirettaDatabaseDown');
    expect(expressions.length).toBe((readFileSync(rulesFile, 'utf8').match(/- alert:/g) ?? []).length);
    const missing = expressions.flatMap(({ where, expr }) => metricNames(expr).filter((name) => !exported(exposition, name)).map((name) => `${where}: ${name}`));
    expect(missing).toEqual([]);
  });

  describe.skipIf(prometheusUnavailable())('with promtool', () => {
    it('accepts the alert rules and passes their unit tests', async () => {
      const checked = await promtool(['check', 'rules', rulesFile]);
      expect(checked.output).toContain('SUCCESS');
      expect(checked.code).toBe(0);
      const tested = await promtool(['test', 'rules', rulesTestFile]);
      expect(tested.output).toContain('SUCCESS');
      expect(tested.code).toBe(0);
    });

    it('parses every dashboard expression (Grafana variables given values)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'diretta-dashboard-'));
      try {
        const rules = dashboardExpressions().map(({ expr }, i) => {
          const promql = expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h').replace(/\$\w+/g, '.*');
          return `      - record: dashboard:expression_${i}\n        expr: ${JSON.stringify(promql)}`;
        });
        const file = join(dir, 'dashboard-rules.yml');
        writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
        const checked = await promtool(['check', 'rules', file]);
        expect(checked.output).toContain(`SUCCESS: ${rules.length} rules found`);
        expect(checked.code).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
