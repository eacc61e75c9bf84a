/**
 * One HTTP server: Yoga at /graphql (queries, mutations, GraphiQL, SSE),
 * graphql-ws on the same path for WebSocket subscriptions, and the health
 * endpoints.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga } from 'graphql-yoga';
import type { Config } from './config.js';
import type { Context } from './context.js';
import { type Database, openDatabase } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import type { Logger } from './logger.js';
import { schema } from './schema/index.js';
import { loadDemoStory } from './seed/load-demo.js';
import { anonymousReader } from './viewer.js';
import { graphiqlDefaultQuery } from './yoga/graphiql.js';
import { useErrorMasking, useOperationLog, useStatementCounting } from './yoga/plugins.js';

export interface App {
  server: Server;
  database: Database;
  /** http://host:port once listening. */
  url: string;
  listen(): Promise<string>;
  stop(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export async function buildApp(config: Config, log: Logger): Promise<App> {
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize, log });
  try {
    await migrateDatabase(database);
    if (config.seedDemo) {
      const seeded = await database.withStartupLock((db) => loadDemoStory(db));
      if (seeded.created) log.info({ storyId: seeded.storyId }, 'loaded the demo story');
    }
  } catch (error) {
    await database.close();
    throw error;
  }

  const requestIds = new WeakMap<Request, string>();
  const yoga = createYoga<{ req: IncomingMessage; res: ServerResponse }, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    logging: log.child({ component: 'yoga' }),
    landingPage: false,
    // Never let error details leak, whatever NODE_ENV says; internal errors are logged instead.
    maskedErrors: { isDev: false },
    graphiql: config.graphiql ? { title: 'Diretta', defaultQuery: graphiqlDefaultQuery } : false,
    context: ({ request }) => {
      const given = request.headers.get('x-request-id');
      const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
      requestIds.set(request, requestId);
      return {
        viewer: anonymousReader,
        db: database.db,
        log: log.child({ requestId }),
        requestId,
        statements: { statements: 0 },
      };
    },
    plugins: [
      useStatementCounting({ report: config.reportSqlStatements }),
      useErrorMasking(),
      useOperationLog(),
      {
        onResponse({ request, response }) {
          const id = requestIds.get(request);
          if (id) response.headers.set('x-request-id', id);
        },
      },
    ],
  });

  const server = createServer((req, res) => {
    if (req.url === '/health' || req.url === '/ready') {
      void health(req.url === '/ready', database, res);
      return;
    }
    void yoga(req, res, { req, res });
  });

  let url = '';
  return {
    server,
    database,
    get url() {
      return url;
    },
    listen: () =>
      new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          const { port } = server.address() as AddressInfo;
          const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
          url = `http://${host}:${port}`;
          resolve(url);
        });
      }),
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await yoga.dispose();
      await database.close();
    },
  };
}

async function health(ready: boolean, database: Database, res: ServerResponse) {
  let status = 200;
  let body: Record<string, unknown> = { status: 'ok' };
  if (ready) {
    try {
      await database.ping();
      body = { status: 'ready', database: database.kind };
    } catch {
      status = 503;
      body = { status: 'unavailable', database: database.kind };
    }
  }
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
