/**
 * One HTTP server: Yoga at /graphql (queries, mutations, GraphiQL, SSE),
 * graphql-ws on the same path for WebSocket subscriptions, GraphiQL's files
 * at /graphiql/assets/, and the health endpoints. Both transports go through Yoga's envelop, so authentication,
 * limits, error masking and logs are the same for both. Metrics (/metrics, on a
 * listener of their own and behind a token on this one) and traces when configured.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga } from 'graphql-yoga';
import { bearerToken, verifyToken } from './auth/tokens.js';
import type { Context } from './context.js';
import { type Database, openDatabase } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { Metrics } from './observability/metrics.js';
import { type Tracing, startTracing } from './observability/tracing.js';
import { useOperationTracing } from './plugins/operation-tracing.js';
import { createRequestMetrics } from './plugins/request-metrics.js';
import { type MetricsListener, bearsMetricsToken, isMetricsRequest, listenForMetrics, refuseMetrics, serveMetrics } from './transport/metrics-endpoint.js';
import { LiveBus } from './live/bus.js';
import { Scheduler } from './editing/scheduled.js';
import type { Logger } from './logger.js';
import { createPages } from './site/router.js';
import { requestIdFrom } from './request-id.js';
import { schema } from './schema/index.js';
import { demoStory } from './seed/demo-story.js';
import { loadDemoStory } from './seed/load-demo.js';
import { clientAddress, refuseBadRequest } from './transport/http.js';
import { WritePriority } from './transport/write-priority.js';
import { capConnectionsPerAddress } from './transport/connection-cap.js';
import { Admission, opensLiveStream, refuseLiveStream } from './transport/admission.js';
import { type SocketContext, type WebSockets, attachWebSockets } from './transport/websocket.js';
import { singleConnectionStreams } from './transport/graphql-sse.js';
import { SseStreams, wantsDistinctStream } from './transport/sse-streams.js';
import { type Grip, createGrip } from './transport/grip.js';
import { GripPublisher } from './transport/grip-publisher.js';
import { type Viewer, anonymousReader, canWrite } from './viewer.js';
import { encodeGlobalId } from './global-id.js';
import { GRAPHIQL_ASSET_PREFIX, graphiqlDefaultQuery, renderGraphiQLPage, serveGraphiQLAsset, useGraphiQLPolicy } from './graphiql.js';
import { useSharedEventExecution } from './plugins/shared-event-execution.js';
import { useCompiledQueries } from './plugins/compiled-execution.js';
import { useCostLimit } from './plugins/cost.js';
import { useSseLimits } from './plugins/sse-limits.js';
import { CatalogMatcher } from './loaders/catalog-matcher.js';
import { type ResponseCache, createResponseCache } from './plugins/response-cache.js';
import { newCacheScope } from './cache-scope.js';
import { recordCacheDependencies } from './plugins/cache-scope.js';
import { useInputGuard, useQueryLimits } from './plugins/query-limits.js';
import { useErrorMasking, useOperationLog, useStatementCounting } from './plugins/operation-plugins.js';
import { TokenBuckets, useRateLimits } from './plugins/rate-limits.js';
import { WebhookDeliverer, watchWebhookOutbox } from './webhooks/deliverer.js';
import { WebhookTargets } from './webhooks/targets.js';
import { EdgePurgeDrainer, watchPurgeOutbox } from './edge/drainer.js';
import { type EdgeCacheSettings, type EdgeScopeReceiver, useEdgeCache } from './plugins/edge-cache.js';
import { documentHash, loadTrustedDocuments, useTrustedDocuments } from './plugins/trusted-documents.js';
import { pageDocuments } from './site/page-data.js';
import { type Config, ConfigError } from './config.js';

export interface App {
  server: Server;
  database: Database;
  live: LiveBus;
  /** Null when WEBHOOK_DELIVERY is off: this instance only writes the outbox. */
  webhooks: WebhookDeliverer | null;
  /** Null when EDGE_PURGE_DELIVERY is off: this instance only writes the purge outbox. */
  purges: EdgePurgeDrainer | null;
  websockets: WebSockets;
  /** Anonymous requests held back behind editors' so far (src/transport/write-priority.ts), for tests. */
  writePriority: Pick<WritePriority, 'heldCount' | 'writersInFlight' | 'refusedCount'>;
  /** For its stats (entries, bytes, hits), in logs and tests. */
  responseCache: Pick<ResponseCache, 'stats' | 'invalidateStory' | 'invalidateEvent'>;
  /** Null unless GRIP_URL is set: readers' streams held by a GRIP proxy (src/transport/grip.ts). */
  grip: Pick<Grip, 'holds'> | null;
  /** Null unless GRIP_URL is set and GRIP_PUBLISH is on: publishes events to the proxies. */
  gripPublisher: GripPublisher | null;
  /** graphql-sse single-connection streams reserved or open (tests). */
  sseStreams: { readonly count: number };
  /** Distinct-connections SSE streams written from the bus (tests). */
  sseReaders: Pick<SseStreams, 'stats'>;
  /** The linking matcher, for its build count (tests). */
  linking: Pick<CatalogMatcher, 'builds'>;
  /** Null unless METRICS_PORT or METRICS_TOKEN is set: then nothing is collected. */
  metrics: Metrics | null;
  /** Null unless OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing: Tracing | null;
  /** http://host:port once listening. */
  url: string;
  /** http://host:port of the metrics listener (METRICS_PORT) once listening; null without one. */
  metricsUrl: string | null;
  listen(): Promise<string>;
  stop(): Promise<void>;
}

export interface AppOptions {
  config: Config;
  log: Logger;
  jwtSecret: string;
}

/**
 * Connections the kernel holds for the server before it accepts them. Node's default, 511, overflows in a
 * reconnect storm (thousands of readers of an instance that went away, arriving at once while the event loop
 * is busy): the kernel drops the excess silently, a proxy in front times out connecting, and no reader is ever
 * told when to come back. Held until accepted, each gets admission control's answer instead (accepted, or 1013
 * with a retry hint). The kernel caps it at net.core.somaxconn (4096 on current Linux).
 */
const LISTEN_BACKLOG = 4096;

export async function buildApp({ config, log, jwtSecret }: AppOptions): Promise<App> {
  const { limits } = config;
  // Before anything starts: a bad file of trusted documents stops the start-up with every problem listed.
  const trustedDocuments = loadTrustedDocuments(schema, pageDocuments, config.edge.trustedDocumentsFile);
  if (trustedDocuments.problems.length > 0) throw new ConfigError(trustedDocuments.problems);
  // Unexposed metrics are not collected at all: no per-request work for numbers nobody can read.
  const metrics = config.metrics.exposed ? new Metrics({ maxOperationNames: config.metrics.maxOperationNames }) : null;
  metrics?.collectDefaults();
  const tracing = await startTracing(config.tracing);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize, log, metrics, tracing });
  const linking = new CatalogMatcher(database);
  const live = new LiveBus(database, log.child({ component: 'live' }), { recentEvents: 256, batchSize: 500, maxQueue: limits.maxSubscriberQueue, metrics, tracing });
  const scheduler = new Scheduler(database.db, log.child({ component: 'scheduler' }), undefined, { metrics, outage: database.outage });
  let demoStoryId: number | null = null;
  try {
    await migrateDatabase(database);
    if (config.seedDemo) {
      const seeded = await database.withStartupLock((db) => loadDemoStory(db));
      if (seeded.created) log.info({ storyId: seeded.storyId }, 'loaded the demo story');
      demoStoryId = seeded.storyId;
    }
    await live.start();
    await linking.start();
    scheduler.start();
  } catch (error) {
    await scheduler.stop();
    await live.stop();
    await database.close();
    await tracing?.shutdown();
    throw error;
  }

  // Where webhooks may send (WEBHOOK_ALLOWED_TARGETS, WEBHOOK_DNS_SERVERS): checked at registration and at every delivery.
  const webhookTargets = new WebhookTargets(config.webhooks);
  const webhookRules = { targets: webhookTargets, secretGraceSeconds: config.webhooks.secretGraceSeconds, resolveTimeoutMs: config.webhooks.timeoutMs };
  // Replays after a cursor cost the server work that live events share: metered per caller (storyEvents).
  const replays = new TokenBuckets(limits.replayCostPerMinute);
  // Scopes are recorded for the response cache, and for shared caches' surrogate keys (GETs, the pages' queries).
  const makeContext = (viewer: Viewer, requestId: string, address: string, connection: Context['connection'], cacheable = false, forEdge = false, connectionId?: string): Context => ({
    viewer,
    db: database.db,
    live,
    linking,
    // Over a WebSocket, lines also carry the id of the socket's upgrade request.
    log: log.child(connectionId ? { requestId, connectionId } : { requestId }),
    requestId,
    clientAddress: address,
    connection,
    statements: config.reportSqlStatements ? { statements: 0 } : null,
    publisher: config.publisher,
    webhookRules,
    // Recorded only for answers the cache may keep: anonymous HTTP reads, not SSE streams, with the cache on.
    cacheScope: newCacheScope((config.responseCacheTtlMs > 0 || forEdge) && cacheable),
    chargeReplay,
  });
  // One function for every context (called as its method): a subscription's context lives as long as its reader.
  function chargeReplay(this: Pick<Context, 'viewer' | 'clientAddress'>, cost: number): number {
    const wait = limits.replayCostPerMinute > 0 ? replays.take(this.viewer.subject ? `sub:${this.viewer.subject}` : `ip:${this.clientAddress}`, cost) : 0;
    if (wait > 0) metrics?.refused.replay.inc();
    return wait;
  }

  // Every GraphQL request's duration and outcome: the response cache reports HTTP requests' (src/plugins/request-metrics.ts says why).
  const requestMetrics = metrics ? createRequestMetrics(metrics) : null;
  // Public reads answered from memory until the next story event (src/plugins/response-cache.ts).
  const responseCache = createResponseCache(database, {
    requests: requestMetrics?.http ?? null,
    ttlMs: config.responseCacheTtlMs,
    searchTtlMs: config.responseCacheSearchTtlMs,
    maxBytes: config.responseCacheMaxBytes,
    maxEntryBytes: config.responseCacheMaxEntryBytes,
    limits,
  });
  await responseCache.start();
  // Webhooks go out from the outbox the event transactions fill (src/webhooks/deliverer.ts).
  const webhooks = config.webhooks.deliver ? new WebhookDeliverer(database, config.webhooks, webhookTargets, log.child({ component: 'webhooks' }), metrics) : null;
  await webhooks?.start();
  // Purges go out to Varnish and CDNs from the outbox the same transactions fill (src/edge/drainer.ts).
  const purges = config.edge.purge.deliver ? new EdgePurgeDrainer(database, config.edge.purge, log.child({ component: 'edge-purge' }), metrics) : null;
  await purges?.start();
  const edgeCache: EdgeCacheSettings = {
    maxAge: config.edge.maxAge,
    sMaxAge: config.edge.sMaxAge,
    staleWhileRevalidate: config.edge.staleWhileRevalidate,
    staleIfError: config.edge.staleIfError,
    searchMaxAge: Math.max(1, Math.floor(config.responseCacheSearchTtlMs / 1000)),
  };
  const trusted = useTrustedDocuments({
    documents: trustedDocuments.documents,
    only: config.edge.trustedDocumentsOnly,
    authenticated: async (request) => {
      const token = bearerToken(request.headers.get('authorization'));
      return token !== null && (await verifyToken(jwtSecret, token).then(() => true, () => false));
    },
    metrics,
  });
  if (metrics) watchInstance(metrics, database, responseCache);
  live.beforeDelivery = (event) => responseCache.eventDispatched(event);
  recordCacheDependencies(schema);
  // graphql-sse's single-connection mode (PUT, then a stream and operations carrying its token) at /graphql.
  const sseStreams = singleConnectionStreams({ limits, log: log.child({ component: 'sse' }) });
  // Distinct-connections SSE streams of live subscriptions, written from the bus (src/transport/sse-streams.ts).
  const sseReaders = new SseStreams(limits.maxSocketBufferBytes, metrics?.eventsDelivered('sse') ?? null, log.child({ component: 'sse' }));
  const yoga = createYoga<{ req?: IncomingMessage; res?: ServerResponse; edge?: EdgeScopeReceiver } & Partial<SocketContext>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    logging: log.child({ component: 'yoga' }),
    landingPage: false,
    // Never let error details leak, whatever NODE_ENV says; internal errors are logged instead.
    maskedErrors: { isDev: false },
    graphiql: config.graphiql ? { title: 'Diretta', defaultQuery: graphiqlDefaultQuery({ slug: demoStory.slug, globalId: demoStoryId === null ? null : encodeGlobalId('Story', demoStoryId) }) } : false,
    // GraphiQL's files come from this server (src/graphiql.ts), not from a CDN.
    renderGraphiQL: renderGraphiQLPage,
    cors: { origin: limits.corsOrigins === '*' ? '*' : limits.corsOrigins, credentials: false, maxAge: 600 },
    batching: limits.batchingLimit > 0 ? { limit: limits.batchingLimit } : false,
    // refuseBadRequest (src/transport/http.ts) already requires a Content-Length within MAX_BODY_BYTES on every
    // POST, and Node reads no more than that: Yoga's own cap would only pipe each body through a stream of its
    // own (a fifth of the cost of a cached answer).
    maxRequestBodySize: false,
    context: async (initial) => {
      // A WebSocket operation was authenticated once, at connection_init.
      if (initial.viewer && initial.requestId && initial.clientAddress && initial.connection) {
        return makeContext(initial.viewer, initial.requestId, initial.clientAddress, initial.connection, false, false, initial.connectionId);
      }
      const { request } = initial;
      const requestId = requestIdFrom(request.headers.get('x-request-id'));
      const token = bearerToken(request.headers.get('authorization'));
      const viewer = token ? (await verifyToken(jwtSecret, token)).viewer : anonymousReader;
      const cacheable = viewer === anonymousReader && !request.headers.get('accept')?.includes('text/event-stream') && !request.headers.has('x-graphql-event-stream-token');
      const forEdge = request.method === 'GET' || initial.edge !== undefined;
      const stream = initial.res && wantsDistinctStream(request) ? sseReaders.connectionFor(initial.res, initial) : null;
      return makeContext(viewer, requestId, initial.req ? clientAddress(initial.req, limits.trustProxy) : 'unknown', stream, cacheable, forEdge);
    },
    plugins: [
      // First: the WebSocket operations' timing, and the names of the operations the plugins below execute.
      ...(requestMetrics ? [requestMetrics.plugin] : []),
      // Then graphql-sse's single-connection mode: it answers its requests itself, before the plugins below read `params` (which it has none of).
      sseStreams.plugin,
      useInputGuard(),
      // Before the response cache: a trusted document sent by its hash gets its text here.
      ...trusted.plugins,
      responseCache.plugin,
      ...useQueryLimits(limits),
      useCostLimit(limits),
      useSseLimits(limits, metrics),
      // After Yoga's result processors (which come before every plugin): a stream the bus writes gets a bare head.
      sseReaders.plugin,
      useSharedEventExecution(tracing),
      useCompiledQueries(),
      ...(config.reportSqlStatements ? [useStatementCounting()] : []),
      // After the plugins that replace the executor (it wraps theirs), before those that log.
      ...(tracing ? [useOperationTracing(tracing)] : []),
      useRateLimits(limits, metrics),
      responseCache.afterRateLimits,
      useErrorMasking(),
      useOperationLog(),
      // x-request-id is set on every response by the HTTP handler below, before Yoga runs.
      useGraphiQLPolicy(),
      useEdgeCache({ settings: edgeCache, isTrusted: trusted.isTrusted, cachedScope: (request) => responseCache.scopeOf(request) }),
    ],
  });

  // The reader-facing pages (/, /live/<slug>, /embed.js) query the API through Yoga like any client.
  // Anonymous requests wait while an editor's request is in flight (src/transport/write-priority.ts).
  const writePriority = new WritePriority(limits.writePriorityMaxHoldMs, async (authorization) => {
    try {
      const token = bearerToken(authorization);
      const { viewer } = await verifyToken(jwtSecret, token ?? '');
      return canWrite(viewer);
    } catch {
      return false; // the operation's context refuses it with 401 UNAUTHENTICATED
    }
  });
  // Readers' streams held by a GRIP proxy, and the publisher that feeds them (src/transport/grip.ts).
  const anonymousContext = (req?: IncomingMessage) =>
    makeContext(anonymousReader, requestIdFrom(req?.headers['x-request-id']), req ? clientAddress(req, limits.trustProxy) : 'grip-publisher', null);
  const grip = config.grip
    ? createGrip({
        schema,
        key: config.grip.key,
        log: log.child({ component: 'grip' }),
        trustedDocument: (hash) => trustedDocuments.documents.get(hash) ?? null,
        context: (req) => anonymousContext(req),
        parse: (req, query) => {
          try {
            const headers = new Headers();
            for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
            const request = new Request(`http://localhost${req.url ?? '/'}`, { headers });
            const enveloped = yoga.getEnveloped({ request, params: { query }, req });
            const document = enveloped.parse(query);
            return enveloped.validate(enveloped.schema, document).length > 0 ? null : { document };
          } catch {
            return null; // Yoga answers it, with the error
          }
        },
      })
    : null;
  const gripPublisher = config.grip?.publish ? new GripPublisher(database, config.grip, log.child({ component: 'grip-publisher' }), { schema, context: () => anonymousContext() }) : null;
  await gripPublisher?.start();
  const metricsToken = config.metrics.token;
  // New live connections, WebSockets and SSE streams together, at a bounded rate (src/transport/admission.ts).
  const admission = limits.liveAdmissionRate > 0 ? new Admission(limits.liveAdmissionRate, limits.liveAdmissionBurst) : null;
  const pages = createPages({
    graphql: yoga,
    log: log.child({ component: 'pages' }),
    publicOrigin: config.publicOrigin,
    pageEntries: config.pageEntries,
    documents: responseCache.documents,
    edge: edgeCache,
    heldStreams: config.grip !== null,
  });
  // Yoga answers at /graphql; an SSE stream's answer may be written from the bus instead (src/transport/sse-streams.ts).
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    if ((req.headers.accept ?? '').includes('text/event-stream')) void sseReaders.serve(req, res, () => yoga.handleNodeRequestAndResponse(req, res, { req, res }));
    else void yoga(req, res, { req, res });
  };
  // Node checks the header and request timeouts below every connectionsCheckingInterval (30 s by
  // default, so a trickled body could live for a minute): checked every second instead.
  const server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
    // Every response carries the request's id, whichever part of the server answers (health, limits,
    // GraphiQL, pages, the API): the same id Yoga and the pages then read from the header.
    const requestId = requestIdFrom(req.headers['x-request-id']);
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    if (req.url === '/health' || req.url === '/ready') {
      void health(req.url === '/ready', database, res, responseCache);
      return;
    }
    if (metrics && metricsToken && isMetricsRequest(req)) {
      if (bearsMetricsToken(req, metricsToken)) void serveMetrics(metrics, req, res, log);
      else refuseMetrics(res);
      return;
    }
    if (config.graphiql && req.url?.startsWith(GRAPHIQL_ASSET_PREFIX)) {
      void serveGraphiQLAsset(req, res);
      return;
    }
    if (pages.handles(req)) {
      void pages.serve(req, res);
      return;
    }
    if (refuseBadRequest(req, res, limits, metrics?.refused.bodyBytes ?? null)) return;
    if (grip?.candidate(req)) {
      grip.serve(req, res).then(
        (held) => {
          if (!held) writePriority.admit(req, res, () => answer(req, res));
        },
        (error: unknown) => {
          log.error({ err: error }, 'could not answer a GRIP hold');
          if (!res.headersSent) res.writeHead(503, { 'content-type': 'application/json', 'cache-control': 'no-store', 'retry-after': '1' });
          res.end(JSON.stringify({ errors: [{ message: 'Service unavailable, try again.', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }));
        },
      );
      return;
    }
    if (admission && opensLiveStream(req)) {
      const retryMs = admission.admit();
      if (retryMs !== null) {
        metrics?.refused.liveAdmission.inc();
        refuseLiveStream(res, retryMs);
        return;
      }
    }
    writePriority.admit(req, res, () => answer(req, res));
  });
  // A body or headers trickled a byte at a time must not hold a socket for minutes (Node's defaults:
  // 60 s for headers, 300 s for the request). Streams of responses (SSE) are not affected.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  if (!limits.trustProxy) capConnectionsPerAddress(server, limits.maxHttpConnectionsPerAddress, log.child({ component: 'http' }), metrics?.refused.httpConnectionsPerAddress ?? null);
  const websockets = attachWebSockets(server, yoga, {
    limits,
    jwtSecret,
    log: log.child({ component: 'ws' }),
    metrics,
    anonymousMayRun: config.edge.trustedDocumentsOnly ? (query) => trustedDocuments.documents.has(documentHash(query)) : undefined,
    admission,
  });

  let url = '';
  let metricsListener: MetricsListener | null = null;
  return {
    server,
    database,
    live,
    webhooks,
    purges,
    websockets,
    responseCache,
    linking,
    writePriority,
    sseStreams,
    sseReaders,
    grip,
    gripPublisher,
    metrics,
    tracing,
    get url() {
      return url;
    },
    get metricsUrl() {
      return metricsListener?.url ?? null;
    },
    async listen() {
      url = await new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => {
          const { port } = server.address() as AddressInfo;
          const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
          resolve(`http://${host}:${port}`);
        });
      });
      if (metrics && config.metrics.port !== null) {
        try {
          metricsListener = await listenForMetrics(metrics, config.metrics.host, config.metrics.port, log.child({ component: 'metrics' }));
        } catch (error) {
          await new Promise((resolve) => server.close(resolve));
          throw error;
        }
      }
      return url;
    },
    async stop() {
      // Subscriptions that end from now on end for the shutdown (diretta_subscriptions_ended_total).
      if (metrics) metrics.shuttingDown = true;
      log.info({ websockets: websockets.stats().connections, subscriptions: live.stats().subscribers }, 'closing live connections for shutdown');
      // Stop accepting, tell WebSocket clients to go elsewhere, let in-flight requests finish.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // No new webhook attempts; those under way finish and are recorded (the rest wait in the outbox).
      await webhooks?.stop();
      await purges?.stop();
      await gripPublisher?.stop();
      await scheduler.stop();
      await websockets.close();
      // Ends every subscription: SSE streams get their `complete` event and their responses end,
      // so the HTTP server is not kept open until the deadline by readers who would never leave.
      await live.stop();
      // graphql-sse's single-connection streams outlive their operations: end them too.
      sseStreams.close();
      sseReaders.close();
      // Connections go idle as their last response ends (an SSE stream a moment after live.stop):
      // close each then, rather than wait for its keep-alive timeout.
      server.closeIdleConnections();
      const idleSweep = setInterval(() => server.closeIdleConnections(), 25);
      await closed;
      clearInterval(idleSweep);
      await linking.stop();
      await responseCache.stop();
      await yoga.dispose();
      await database.close();
      await metricsListener?.close();
      await tracing?.shutdown();
    },
  };
}

/**
 * What is read from this instance when Prometheus scrapes: the response
 * cache's counters, whether the database answers (a ping, as /ready does,
 * feeding the outage log), and the webhook and purge outboxes' backlogs.
 */
function watchInstance(metrics: Metrics, database: Database, cache: Pick<ResponseCache, 'stats'>): void {
  metrics.onScrape(() => {
    const stats = cache.stats();
    metrics.cacheHits.value = stats.hits;
    metrics.cacheMisses.value = stats.misses;
    metrics.cacheStores.value = stats.stores;
    metrics.cacheEvictions.value = stats.evictions;
    metrics.cacheInvalidations.value = stats.invalidations;
    metrics.cacheBytes.set(stats.bytes);
    metrics.cacheEntries.set(stats.entries);
  });
  // The ping counts as evidence for the outage log (src/db/client.ts), as every ping does.
  metrics.onScrape(() => database.ping());
  watchWebhookOutbox(metrics, database);
  watchPurgeOutbox(metrics, database);
}

/** How recent an answer from the database /ready takes instead of a ping of its own. */
const READY_EVIDENCE_MS = 1_000;

async function health(ready: boolean, database: Database, res: ServerResponse, cache: Pick<ResponseCache, 'stats'>) {
  let status = 200;
  // The cache's counters (answers served from it and computed), for benchmarks and dashboards.
  const { hits, misses } = cache.stats();
  let body: Record<string, unknown> = { status: 'ok', responseCache: { hits, misses } };
  if (ready) {
    try {
      // A statement answered within the last second is the same evidence as a ping. Under a reconnect storm the
      // ping would wait behind every resuming reader's query in the pool, a load balancer's check would time out,
      // and a busy but healthy instance would be taken out of rotation, sending its readers back into the storm.
      if (!database.outage.answeredWithin(READY_EVIDENCE_MS)) await database.ping();
      body = { status: 'ready', database: database.kind };
    } catch {
      status = 503;
      body = { status: 'unavailable', database: database.kind };
    }
  }
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
