/** Starts the real app (HTTP, Yoga, database) on port 0 and talks to it over HTTP. */
import { expect } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import { mintToken } from '../../src/auth/tokens.js';
import type { Role } from '../../src/viewer.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type Logger, createLogger } from '../../src/logger.js';
import { type TestDatabase, createTestDatabase } from './database.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; locations?: { line: number; column: number }[]; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

export interface TestServer {
  app: App;
  url: string;
  config: Config;
  database: TestDatabase;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** A valid bearer token for this server. */
  token(role: Role, subject?: string, expiresIn?: number): Promise<string>;
  /** gql as an editor. */
  edit<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/**
 * The one fixture for "a server on a fresh database with these settings": the real app on port 0, configured as
 * the tests need it (no rate limits, SQL statements reported) plus `env`, on `database` when given (the caller
 * drops it) or else on a fresh database of its own — a copy of the run's template, with the demo story already
 * loaded unless SEED_DEMO is off — dropped by stop().
 */
export interface TestServerOptions {
  /** The app's logger (a test reading the log lines passes its own); by default one at TEST_LOG_LEVEL (silent). */
  log?: Logger;
  /**
   * The tests' settings under `env` (no rate limits, no replay budget, SQL statements reported): on by default; off
   * for a test of the defaults themselves, which then gets the app's own defaults for all but the port and the logs.
   */
  testDefaults?: boolean;
}

export async function startTestServer(env: Record<string, string> = {}, database?: TestDatabase, options: TestServerOptions = {}): Promise<TestServer> {
  const db = database ?? (await createTestDatabase(['false', '0', 'no'].includes(env.SEED_DEMO ?? 'true') ? 'migrated' : 'seeded'));
  // A server that does not start (a test of a configuration it refuses) leaves no database of its own behind.
  const { app, config, url } = await startApp(env, db, options).catch(async (error: unknown) => {
    if (!database) await db.drop();
    throw error;
  });
  const token = (role: Role, subject = `test-${role}`, expiresIn = 3600) => mintToken(TEST_JWT_SECRET, { role, subject, expiresIn });
  const editorToken = await token('editor');
  const server: TestServer = {
    app,
    url,
    config,
    database: db,
    async gql(query, variables, headers) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphQLResponse, 'status'>;
      return { status: response.status, ...body } as GraphQLResponse<never>;
    },
    token,
    edit(query, variables) {
      return server.gql(query, variables, { authorization: `Bearer ${editorToken}` });
    },
    async stop() {
      await app.stop();
      if (!database) await db.drop();
    },
  };
  return server;
}

/** The app on the tests' settings plus `env`, listening on a free port. */
async function startApp(env: Record<string, string>, db: TestDatabase, options: TestServerOptions): Promise<{ app: App; config: Config; url: string }> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LOG_FORMAT: 'json',
    ...(options.testDefaults === false
      ? {}
      : {
          REPORT_SQL_STATEMENTS: 'true',
          // Load tests write hundreds of entries; the rate-limit test turns limits on for itself.
          RATE_LIMIT_MUTATIONS: '0',
          RATE_LIMIT_EXPENSIVE: '0',
          // Replay tests resume from every cursor of long logs; test/hostile-corpus.test.ts meters replays.
          REPLAY_COST_PER_MINUTE: '0',
        }),
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    DATA_DIR: db.dataDir,
    ...env,
  });
  const app = await buildApp({ config, log: options.log ?? createLogger(config), jwtSecret: TEST_JWT_SECRET });
  try {
    return { app, config, url: await app.listen() };
  } catch (error) {
    await app.stop();
    throw error;
  }
}

/** Asks each query once, anonymously, and says, per query, whether the response cache answered it. */
export async function cacheHits(server: TestServer, queries: string[]): Promise<boolean[]> {
  const out: boolean[] = [];
  for (const query of queries) {
    const before = server.app.responseCache.stats().hits;
    const res = await server.gql(query);
    expect(res.errors).toBeUndefined();
    out.push(server.app.responseCache.stats().hits > before);
  }
  return out;
}
