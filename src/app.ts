/**
 * One HTTP server: Yoga at /graphql (queries, mutations, GraphiQL, SSE),
 * graphql-ws on the same path for WebSocket subscriptions, and the health
 * endpoints. Both transports go through Yoga's envelop, so authentication,
 * limits, error masking and logs are the same for both.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionArgs } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { bearerToken, verifyToken } from './auth/tokens.js';
import type { Config } from './config.js';
import type { Context } from './context.js';
import { type Database, openDatabase } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { LiveBus } from './live/bus.js';
import type { Logger } from './logger.js';
import { schema } from './schema/index.js';
import { loadDemoStory } from './seed/load-demo.js';
import { type Viewer, anonymousReader } from './viewer.js';
import { graphiqlDefaultQuery } from './yoga/graphiql.js';
import { useSharedEventExecution } from './yoga/live-execution.js';
import { useErrorMasking, useOperationLog, useStatementCounting } from './yoga/plugins.js';

export interface App {
  server: Server;
  database: Database;
  live: LiveBus;
  /** http://host:port once listening. */
  url: string;
  listen(): Promise<string>;
  stop(): Promise<void>;
}

export interface AppOptions {
  config: Config;
  log: Logger;
  jwtSecret: string;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** What graphql-ws hands the Yoga context factory for a WebSocket operation. */
interface SocketContext {
  viewer: Viewer;
  requestId: string;
}

export async function buildApp({ config, log, jwtSecret }: AppOptions): Promise<App> {
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize, log });
  const live = new LiveBus(database, log.child({ component: 'live' }));
  try {
    await migrateDatabase(database);
    if (config.seedDemo) {
      const seeded = await database.withStartupLock((db) => loadDemoStory(db));
      if (seeded.created) log.info({ storyId: seeded.storyId }, 'loaded the demo story');
    }
    await live.start();
  } catch (error) {
    await live.stop();
    await database.close();
    throw error;
  }

  const makeContext = (viewer: Viewer, requestId: string): Context => ({
    viewer,
    db: database.db,
    live,
    log: log.child({ requestId }),
    requestId,
    statements: { statements: 0 },
  });

  const requestIds = new WeakMap<Request, string>();
  const yoga = createYoga<{ req?: IncomingMessage; res?: ServerResponse } & Partial<SocketContext>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    logging: log.child({ component: 'yoga' }),
    landingPage: false,
    // Never let error details leak, whatever NODE_ENV says; internal errors are logged instead.
    maskedErrors: { isDev: false },
    graphiql: config.graphiql ? { title: 'Diretta', defaultQuery: graphiqlDefaultQuery } : false,
    context: async (initial) => {
      // A WebSocket operation was authenticated once, at connection_init.
      if (initial.viewer && initial.requestId) return makeContext(initial.viewer, initial.requestId);
      const { request } = initial;
      const given = request.headers.get('x-request-id');
      const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
      requestIds.set(request, requestId);
      const token = bearerToken(request.headers.get('authorization'));
      const viewer = token ? (await verifyToken(jwtSecret, token)).viewer : anonymousReader;
      return makeContext(viewer, requestId);
    },
    plugins: [
      useSharedEventExecution(),
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

  const wsServer = new WebSocketServer({ server, path: '/graphql' });
  useServer<Record<string, unknown> | undefined, { viewer?: Viewer; expiry?: NodeJS.Timeout }>(
    {
      // Auth comes in connection_init's payload: { "authorization": "Bearer <token>" }.
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        try {
          const token = bearerToken(typeof header === 'string' ? header : null);
          if (!token) {
            ctx.extra.viewer = anonymousReader;
            return true;
          }
          const verified = await verifyToken(jwtSecret, token);
          ctx.extra.viewer = verified.viewer;
          // Honour expiry on long-lived sockets too: close when the token runs out.
          const ms = verified.expiresAt * 1000 - Date.now();
          ctx.extra.expiry = setTimeout(() => ctx.extra.socket.close(CloseCode.Forbidden, 'Token expired'), Math.min(ms, 2 ** 31 - 1));
          ctx.extra.expiry.unref();
          return true;
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      onClose: (ctx) => {
        if (ctx.extra.expiry) clearTimeout(ctx.extra.expiry);
      },
      onSubscribe: async (ctx, _id, payload) => {
        const { schema: enveloped, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          viewer: ctx.extra.viewer ?? anonymousReader,
          requestId: randomUUID(),
        });
        const args: ExecutionArgs = {
          schema: enveloped,
          operationName: payload.operationName,
          document: parse(payload.query),
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
    },
    wsServer,
  );

  let url = '';
  return {
    server,
    database,
    live,
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
      // Tell WebSocket clients to go elsewhere (1001 Going Away): they resume from their cursor.
      for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await live.stop();
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
