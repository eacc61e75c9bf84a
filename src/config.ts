/**
 * Configuration is a pure function of the environment: loadConfig reads every
 * variable, and reports every problem at once rather than the first one.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import type { TracingOptions } from './observability/tracing.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/**
 * `host:port` pairs, comma-separated, each host written as a URL writes it
 * (`0x7f000001:80` is `127.0.0.1:80`, IPv6 in brackets), so that a webhook
 * URL's host and port are compared with them as text.
 */
const hostPortList = z
  .string()
  .transform((value, ctx) => {
    const pairs: string[] = [];
    for (const raw of value.split(',').map((p) => p.trim()).filter(Boolean)) {
      const match = /^(\[[0-9A-Fa-f:.]+\]|[^:/?#@[\]\s]+):(\d{1,5})$/.exec(raw);
      const port = Number(match?.[2]);
      const host = match && URL.canParse(`http://${match[1]}/`) ? new URL(`http://${match[1]}/`).hostname : null;
      if (!host || !(port >= 1 && port <= 65535)) ctx.addIssue({ code: 'custom', message: `"${raw}" is not a host:port pair (e.g. 10.0.0.5:8443, hooks.corp.example:443, [fd00::5]:80)` });
      else pairs.push(`${host}:${port}`);
    }
    return pairs;
  });

/** DNS servers as IP addresses, each with an optional port (`10.0.0.2`, `10.0.0.2:5353`, `[fd00::2]:53`). */
const dnsServerList = z
  .string()
  .transform((value, ctx) => {
    const servers = value.split(',').map((s) => s.trim()).filter(Boolean);
    for (const server of servers) {
      const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)|([0-9A-Fa-f:]+))(?::(\d{1,5}))?$/.exec(server);
      const address = match?.[1] ?? match?.[2] ?? match?.[3];
      const plainV6 = match?.[3] !== undefined;
      if (!address || !isIP(address) || (plainV6 && match?.[4] !== undefined) || (match?.[4] !== undefined && !(Number(match[4]) >= 1 && Number(match[4]) <= 65535))) {
        ctx.addIssue({ code: 'custom', message: `"${server}" is not an IP address with an optional port (e.g. 10.0.0.2, 10.0.0.2:5353, [fd00::2]:53)` });
      }
    }
    return servers;
  });

const httpUrl = z
  .string()
  .max(2000, 'must be at most 2000 characters')
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'must be an absolute http:// or https:// URL');

const envSchema = z.object({
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .refine((url) => URL.canParse(url), 'is not a valid URL (for a Unix socket: postgres:///database?host=/var/run/postgresql)')
    .optional(),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SEED_DEMO: bool.default(true),
  GRAPHIQL: bool.default(true),
  /** Where readers reach this server, e.g. https://live.example.com: the origin of canonical links, JSON-LD and feed URLs. */
  PUBLIC_URL: httpUrl.optional(),
  PUBLISHER_NAME: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').default('Diretta'),
  PUBLISHER_URL: httpUrl.optional(),
  PUBLISHER_LOGO_URL: httpUrl.optional(),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  /** Adds `extensions.sqlStatements` to every response (tests, benchmarks, debugging). */
  REPORT_SQL_STATEMENTS: bool.default(false),
  RESPONSE_CACHE_TTL_MS: int(0, 3_600_000).default(10_000),
  RESPONSE_CACHE_SEARCH_TTL_MS: int(0, 3_600_000).default(2_000),
  RESPONSE_CACHE_MAX_BYTES: int(0, 16 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  RESPONSE_CACHE_MAX_ENTRY_BYTES: int(0, 1024 * 1024 * 1024).default(1024 * 1024),
  PAGE_ENTRIES: int(1, 100).default(20),
  INTROSPECTION: bool.default(true),
  CORS_ORIGINS: z.string().min(1).default('*'),
  TRUST_PROXY: bool.default(false),
  MAX_DEPTH: int(1, 100).default(12),
  MAX_ALIASES: int(0, 1000).default(15),
  MAX_DIRECTIVES: int(0, 1000).default(20),
  MAX_TOKENS: int(10, 100_000).default(2_000),
  MAX_COST: int(10, 10_000_000).default(20_000),
  MAX_RESPONSE_BYTES: int(1_024, 1024 * 1024 * 1024).default(32 * 1024 * 1024),
  MAX_BODY_BYTES: int(1_024, 100 * 1024 * 1024).default(100 * 1024),
  BATCHING_LIMIT: int(0, 100).default(0),
  WS_MAX_PAYLOAD_BYTES: int(1_024, 100 * 1024 * 1024).default(64 * 1024),
  WS_PING_INTERVAL_MS: int(100, 3_600_000).default(30_000),
  WS_CONNECTION_INIT_TIMEOUT_MS: int(100, 600_000).default(10_000),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: int(1, 10_000).default(50),
  MAX_CONNECTIONS_PER_ADDRESS: int(1, 1_000_000).default(100),
  MAX_HTTP_CONNECTIONS_PER_ADDRESS: int(1, 1_000_000).default(256),
  MAX_SUBSCRIBER_QUEUE: int(1, 1_000_000).default(1_000),
  MAX_SOCKET_BUFFER_BYTES: int(1_024, 1024 * 1024 * 1024).default(1024 * 1024),
  LIVE_ADMISSION_RATE: int(0, 1_000_000).default(2_000),
  LIVE_ADMISSION_BURST: int(1, 10_000_000).default(4_000),
  WRITE_PRIORITY_MAX_HOLD_MS: int(0, 10_000).default(100),
  RATE_LIMIT_MUTATIONS: int(0, 1_000_000).default(120),
  RATE_LIMIT_EXPENSIVE: int(0, 1_000_000).default(60),
  EXPENSIVE_QUERY_ITEMS: int(1, 1_000_000).default(1_000),
  REPLAY_COST_PER_MINUTE: int(0, 100_000_000).default(5_000),
  ANALYZE_TEXT_CHARS_PER_MINUTE: int(0, 1_000_000_000).default(500_000),
  WEBHOOK_DELIVERY: bool.default(true),
  WEBHOOK_TIMEOUT_MS: int(50, 600_000).default(10_000),
  WEBHOOK_BACKOFF_BASE_MS: int(1, 3_600_000).default(1_000),
  WEBHOOK_BACKOFF_MAX_MS: int(1, 86_400_000).default(3_600_000),
  WEBHOOK_PAUSE_AFTER_FAILURES: int(1, 1_000_000).default(15),
  WEBHOOK_POLL_INTERVAL_MS: int(10, 3_600_000).default(1_000),
  WEBHOOK_CONCURRENCY: int(1, 1_000).default(8),
  WEBHOOK_RETENTION_DAYS: int(1, 3650).default(30),
  WEBHOOK_SLOW_MS: int(1, 600_000).optional(),
  WEBHOOK_ALLOWED_TARGETS: hostPortList.optional(),
  WEBHOOK_DNS_SERVERS: dnsServerList.optional(),
  WEBHOOK_SECRET_GRACE_SECONDS: int(0, 2_592_000).default(86_400),
  EDGE_MAX_AGE: int(0, 86_400).default(5),
  EDGE_S_MAXAGE: int(0, 86_400).optional(),
  EDGE_STALE_WHILE_REVALIDATE: int(0, 86_400).default(60),
  EDGE_STALE_IF_ERROR: int(0, 31_536_000).default(864_000),
  TRUSTED_DOCUMENTS_ONLY: bool.default(false),
  TRUSTED_DOCUMENTS_FILE: z.string().min(1).optional(),
  VARNISH_PURGE_URL: z
    .string()
    .transform((value) => value.split(',').map((url) => url.trim()).filter(Boolean))
    .pipe(z.array(httpUrl).min(1, 'must name at least one URL')).optional(),
  FASTLY_SERVICE_ID: z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'must be a Fastly service id (letters and digits)').optional(),
  FASTLY_API_TOKEN: z.string().regex(/^[\x21-\x7e]{1,200}$/, 'must be a Fastly API token (printable, no spaces)').optional(),
  FASTLY_API_URL: httpUrl.default('https://api.fastly.com'),
  PURGE_URL: httpUrl.optional(),
  EDGE_PURGE_DELIVERY: bool.default(true),
  EDGE_PURGE_TIMEOUT_MS: int(50, 600_000).default(5_000),
  EDGE_PURGE_BACKOFF_BASE_MS: int(1, 3_600_000).default(500),
  EDGE_PURGE_BACKOFF_MAX_MS: int(1, 3_600_000).default(60_000),
  EDGE_PURGE_POLL_INTERVAL_MS: int(10, 3_600_000).default(1_000),
  GRIP_URL: z
    .string()
    .transform((value) => value.split(',').map((url) => url.trim()).filter(Boolean))
    .pipe(z.array(httpUrl).min(1, 'must name at least one URL')).optional(),
  GRIP_KEY: z.string().regex(/^[\x21-\x7e]{1,512}$/, 'must be printable ASCII without spaces, at most 512 characters').optional(),
  GRIP_PUBLISH: bool.default(true),
  /** Prometheus metrics on a listener of their own; unset: no listener. */
  METRICS_PORT: int(0, 65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Also serves /metrics on the main port, to requests bearing this token. */
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .max(512, 'must be at most 512 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
  METRICS_MAX_OPERATIONS: int(1, 10_000).default(50),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_HEADERS: z
    .string()
    .regex(/^\s*[^=,\s]+\s*=[^,]*(,\s*[^=,\s]+\s*=[^,]*)*$/, 'must be key=value pairs separated by commas')
    .optional(),
  OTEL_SERVICE_NAME: z.string().trim().min(1).max(200).default('diretta'),
  OTEL_TRACES_SAMPLER_ARG: z
    .string()
    .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'must be a number from 0 to 1')
    .transform(Number)
    .default(1),
});

/** Readers' streams held by a GRIP proxy (Pushpin, Fastly Fanout): src/transport/grip.ts, docs/scaling.md. */
export interface GripSettings {
  /** GRIP control URLs: each is published to at <url>/publish/ (GRIP_URL). */
  urls: string[];
  /** Verifies the proxy's Grip-Sig and signs publishes (GRIP_KEY); null: Grip-Sig is trusted as sent. */
  key: string | null;
  /** Whether this instance publishes (GRIP_PUBLISH); several may, one at a time under a lease. */
  publish: boolean;
}

/** Where purges go (docs/configuration.md; docs/scaling.md). */
export interface PurgeTargets {
  /** Varnish instances, each sent an xkey purge (VARNISH_PURGE_URL). */
  varnish: string[];
  /** Fastly: purge by surrogate key through its API. */
  fastly: { serviceId: string; apiToken: string; apiUrl: string } | null;
  /** Any other purger: a JSON POST of the keys (PURGE_URL). */
  http: string | null;
}

/** How this instance drains the purge outbox (src/edge/drainer.ts). */
export interface EdgePurgeSettings {
  /** False: this instance only writes the outbox (every instance does); others drain it. */
  deliver: boolean;
  targets: PurgeTargets;
  /** One purge request's deadline. */
  timeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How often the outbox is looked at without a NOTIFY (retries, rows a dead instance left). */
  pollIntervalMs: number;
}

/** What shared caches may keep (src/plugins/edge-cache.ts) and which documents anonymous clients may run. */
export interface EdgeSettings {
  /** Seconds, for browsers. */
  maxAge: number;
  /** Seconds, for shared caches (default 60 with a purger configured, else maxAge). */
  sMaxAge: number;
  staleWhileRevalidate: number;
  staleIfError: number;
  trustedDocumentsOnly: boolean;
  /** A JSON file of apps' documents (src/plugins/trusted-documents.ts). */
  trustedDocumentsFile: string | null;
  purge: EdgePurgeSettings;
}

/** Prometheus metrics (docs/operations.md). */
export interface MetricsSettings {
  /** Port of the metrics listener; null: none. */
  port: number | null;
  host: string;
  /** Bearer token for /metrics on the main port; null: not served there. */
  token: string | null;
  /** Operation names with series of their own (the rest count as "other"). */
  maxOperationNames: number;
  /** Whether anything serves the metrics: if not, nothing is collected per request. */
  exposed: boolean;
}

/** How this instance delivers webhooks (docs/feeds-webhooks-ninjs.md). */
export interface WebhookSettings {
  /** False: this instance only writes the outbox; others deliver. */
  deliver: boolean;
  /** One attempt's deadline, connect to last byte. */
  timeoutMs: number;
  /** The first retry waits about this long; each next one twice as long (with jitter), up to backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Failed attempts in a row after which a subscription is paused until an admin resumes it. */
  pauseAfterFailures: number;
  /** How often due retries are looked for; new events wake the deliverer at once. */
  pollIntervalMs: number;
  /** Subscriptions served at the same time by this instance. */
  concurrency: number;
  /** Delivered outbox rows are kept this long (a webhook's `deliveries` history), then deleted. */
  retentionDays: number;
  /** An answer slower than this, even a 2xx, counts as a failure for backoff: a slow receiver waits, others do not. */
  slowMs: number;
  /** `host:port` pairs webhooks may reach whatever they resolve to (on-premises receivers); every other target must be public. */
  allowedTargets: string[];
  /** DNS servers that resolve webhook hosts instead of the system's resolver; empty: the system's (getaddrinfo, /etc/hosts). */
  dnsServers: string[];
  /** After a secret is rotated, deliveries are also signed with the previous one for this long (unless the rotation says otherwise). */
  secretGraceSeconds: number;
}

/** Every limit that protects the server, all configurable (docs/limits-and-security.md). */
export interface Limits {
  introspection: boolean;
  /** `*` or the list of origins allowed by CORS. */
  corsOrigins: '*' | string[];
  /** Take the client address from X-Forwarded-For (behind a proxy you trust). */
  trustProxy: boolean;
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
  /** Bytes an operation's response may take at most, estimated before it runs (src/plugins/cost.ts). */
  maxResponseBytes: number;
  maxBodyBytes: number;
  /** 0 turns batching (a JSON array of operations) off. */
  batchingLimit: number;
  wsMaxPayloadBytes: number;
  wsPingIntervalMs: number;
  /**
   * How long a new WebSocket may take to send connection_init (then 4408). graphql-ws waits 3 s; longer here
   * because an instance busy with a reconnect storm reads the message late, and a socket closed for that comes
   * straight back into the storm. Unauthenticated sockets that never send it stay bounded per address.
   */
  wsConnectionInitTimeoutMs: number;
  maxSubscriptionsPerConnection: number;
  maxConnectionsPerAddress: number;
  /** Open TCP connections (of any kind) per client address; not applied behind a trusted proxy. */
  maxHttpConnectionsPerAddress: number;
  /** Events waiting for a subscriber that does not keep up, before it is cut off. */
  maxSubscriberQueue: number;
  /** Bytes waiting in a socket's send buffer, before its client is cut off. */
  maxSocketBufferBytes: number;
  /** New live connections (WebSockets, SSE streams) an instance accepts a second; 0 accepts all (src/transport/admission.ts). */
  liveAdmissionRate: number;
  /** How many it accepts at once before the rate applies. */
  liveAdmissionBurst: number;
  /** How long an anonymous request may be held back while an editor's request runs; 0 never holds. */
  writePriorityMaxHoldMs: number;
  /** Mutations per minute per token (or address); 0 disables. */
  rateLimitMutations: number;
  /** Expensive queries per minute per token (or address); 0 disables. */
  rateLimitExpensive: number;
  /** A query asking for more list items than this (pages multiplied through nesting) counts as expensive, as does search. */
  expensiveQueryItems: number;
  /** Replayed events per minute per token (or address), each weighted by 1 + the list items its selection asks for; 0 disables. */
  replayCostPerMinute: number;
  /** Characters analyzeText may read per minute per token, each call counted as at least ANALYZE_TEXT_MIN_CHARGE; 0 disables. */
  analyzeTextCharsPerMinute: number;
}

/** Who publishes the live blog (PUBLISHER_NAME, PUBLISHER_URL, PUBLISHER_LOGO_URL): the organisation the stories' JSON-LD and ninjs name. */
export interface Publisher {
  name: string;
  /** Absolute http(s) URL of the publisher's site, or null to leave it out. */
  url: string | null;
  /** Absolute http(s) URL of the publisher's logo, or null to leave it out. */
  logoUrl: string | null;
}

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  dataDir: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  logFormat: 'json' | 'pretty';
  /** HS256 secret for bearer tokens; see src/auth/secret.ts for what happens without one. */
  jwtSecret: string | undefined;
  seedDemo: boolean;
  graphiql: boolean;
  /** The public origin (PUBLIC_URL), or null: absolute URLs are then left out rather than taken from the Host header. */
  publicOrigin: string | null;
  /** The organisation named as `publisher` in the stories' JSON-LD. */
  publisher: Publisher;
  shutdownTimeoutMs: number;
  reportSqlStatements: boolean;
  /** How long an anonymous query's answer is reused (until a story event drops it); 0 turns the cache off. */
  responseCacheTtlMs: number;
  /** How long a search answer may be served (any new entry may match it), at most responseCacheTtlMs. */
  responseCacheSearchTtlMs: number;
  /** Bytes of cached answers kept at most, all together. */
  responseCacheMaxBytes: number;
  /** A larger answer is never cached. */
  responseCacheMaxEntryBytes: number;
  /** Entries of a story page's first view, its JSON-LD and each "older updates" load. */
  pageEntries: number;
  limits: Limits;
  webhooks: WebhookSettings;
  edge: EdgeSettings;
  /** Null when GRIP_URL is unset: every reader's stream is served by this instance. */
  grip: GripSettings | null;
  metrics: MetricsSettings;
  /** Null when OTEL_EXPORTER_OTLP_ENDPOINT is unset: no tracing, nothing of OpenTelemetry loaded. */
  tracing: TracingOptions | null;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>, terminal = { isTTY: false }): Config {
  // An empty variable means "not set", as in most shells' `VAR= command`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  // Given together or not at all: a token without a service (or the reverse) purges nothing, silently.
  if ((e.FASTLY_SERVICE_ID === undefined) !== (e.FASTLY_API_TOKEN === undefined)) {
    throw new ConfigError([`${e.FASTLY_SERVICE_ID === undefined ? 'FASTLY_SERVICE_ID' : 'FASTLY_API_TOKEN'}: required with ${e.FASTLY_SERVICE_ID === undefined ? 'FASTLY_API_TOKEN' : 'FASTLY_SERVICE_ID'}`]);
  }
  const targets: PurgeTargets = {
    varnish: e.VARNISH_PURGE_URL ?? [],
    fastly: e.FASTLY_SERVICE_ID && e.FASTLY_API_TOKEN ? { serviceId: e.FASTLY_SERVICE_ID, apiToken: e.FASTLY_API_TOKEN, apiUrl: e.FASTLY_API_URL.replace(/\/+$/, '') } : null,
    http: e.PURGE_URL ?? null,
  };
  const purging = targets.varnish.length > 0 || targets.fastly !== null || targets.http !== null;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (terminal.isTTY ? 'pretty' : 'json'),
    jwtSecret: e.JWT_SECRET,
    seedDemo: e.SEED_DEMO,
    graphiql: e.GRAPHIQL,
    publicOrigin: e.PUBLIC_URL ? new URL(e.PUBLIC_URL).origin : null,
    publisher: { name: e.PUBLISHER_NAME, url: e.PUBLISHER_URL ?? null, logoUrl: e.PUBLISHER_LOGO_URL ?? null },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    reportSqlStatements: e.REPORT_SQL_STATEMENTS,
    responseCacheTtlMs: e.RESPONSE_CACHE_TTL_MS,
    responseCacheSearchTtlMs: e.RESPONSE_CACHE_SEARCH_TTL_MS,
    responseCacheMaxBytes: e.RESPONSE_CACHE_MAX_BYTES,
    responseCacheMaxEntryBytes: e.RESPONSE_CACHE_MAX_ENTRY_BYTES,
    pageEntries: e.PAGE_ENTRIES,
    limits: {
      introspection: e.INTROSPECTION,
      corsOrigins: e.CORS_ORIGINS === '*' ? '*' : e.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
      trustProxy: e.TRUST_PROXY,
      maxDepth: e.MAX_DEPTH,
      maxAliases: e.MAX_ALIASES,
      maxDirectives: e.MAX_DIRECTIVES,
      maxTokens: e.MAX_TOKENS,
      maxCost: e.MAX_COST,
      maxResponseBytes: e.MAX_RESPONSE_BYTES,
      maxBodyBytes: e.MAX_BODY_BYTES,
      batchingLimit: e.BATCHING_LIMIT,
      wsMaxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
      wsPingIntervalMs: e.WS_PING_INTERVAL_MS,
      wsConnectionInitTimeoutMs: e.WS_CONNECTION_INIT_TIMEOUT_MS,
      maxSubscriptionsPerConnection: e.MAX_SUBSCRIPTIONS_PER_CONNECTION,
      maxConnectionsPerAddress: e.MAX_CONNECTIONS_PER_ADDRESS,
      maxHttpConnectionsPerAddress: e.MAX_HTTP_CONNECTIONS_PER_ADDRESS,
      maxSubscriberQueue: e.MAX_SUBSCRIBER_QUEUE,
      maxSocketBufferBytes: e.MAX_SOCKET_BUFFER_BYTES,
      liveAdmissionRate: e.LIVE_ADMISSION_RATE,
      liveAdmissionBurst: e.LIVE_ADMISSION_BURST,
      writePriorityMaxHoldMs: e.WRITE_PRIORITY_MAX_HOLD_MS,
      rateLimitMutations: e.RATE_LIMIT_MUTATIONS,
      rateLimitExpensive: e.RATE_LIMIT_EXPENSIVE,
      expensiveQueryItems: e.EXPENSIVE_QUERY_ITEMS,
      replayCostPerMinute: e.REPLAY_COST_PER_MINUTE,
      analyzeTextCharsPerMinute: e.ANALYZE_TEXT_CHARS_PER_MINUTE,
    },
    webhooks: {
      deliver: e.WEBHOOK_DELIVERY,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      backoffBaseMs: e.WEBHOOK_BACKOFF_BASE_MS,
      backoffMaxMs: Math.max(e.WEBHOOK_BACKOFF_MAX_MS, e.WEBHOOK_BACKOFF_BASE_MS),
      pauseAfterFailures: e.WEBHOOK_PAUSE_AFTER_FAILURES,
      pollIntervalMs: e.WEBHOOK_POLL_INTERVAL_MS,
      concurrency: e.WEBHOOK_CONCURRENCY,
      retentionDays: e.WEBHOOK_RETENTION_DAYS,
      // Half the deadline unless set; never more than the deadline (an answer after it is a timeout).
      slowMs: Math.min(e.WEBHOOK_SLOW_MS ?? Math.ceil(e.WEBHOOK_TIMEOUT_MS / 2), e.WEBHOOK_TIMEOUT_MS),
      allowedTargets: e.WEBHOOK_ALLOWED_TARGETS ?? [],
      dnsServers: e.WEBHOOK_DNS_SERVERS ?? [],
      secretGraceSeconds: e.WEBHOOK_SECRET_GRACE_SECONDS,
    },
    edge: {
      maxAge: e.EDGE_MAX_AGE,
      // Without a purger nothing drops a shared cache's copy before it expires: keep it no longer than a browser's.
      sMaxAge: e.EDGE_S_MAXAGE ?? (purging ? 60 : e.EDGE_MAX_AGE),
      staleWhileRevalidate: e.EDGE_STALE_WHILE_REVALIDATE,
      staleIfError: e.EDGE_STALE_IF_ERROR,
      trustedDocumentsOnly: e.TRUSTED_DOCUMENTS_ONLY,
      trustedDocumentsFile: e.TRUSTED_DOCUMENTS_FILE ?? null,
      purge: {
        deliver: e.EDGE_PURGE_DELIVERY,
        targets,
        timeoutMs: e.EDGE_PURGE_TIMEOUT_MS,
        backoffBaseMs: e.EDGE_PURGE_BACKOFF_BASE_MS,
        backoffMaxMs: Math.max(e.EDGE_PURGE_BACKOFF_MAX_MS, e.EDGE_PURGE_BACKOFF_BASE_MS),
        pollIntervalMs: e.EDGE_PURGE_POLL_INTERVAL_MS,
      },
    },
    grip: e.GRIP_URL ? { urls: e.GRIP_URL.map((url) => url.replace(/\/+$/, '')), key: e.GRIP_KEY ?? null, publish: e.GRIP_PUBLISH } : null,
    metrics: {
      port: e.METRICS_PORT ?? null,
      host: e.METRICS_HOST,
      token: e.METRICS_TOKEN ?? null,
      maxOperationNames: e.METRICS_MAX_OPERATIONS,
      exposed: e.METRICS_PORT !== undefined || e.METRICS_TOKEN !== undefined,
    },
    tracing: e.OTEL_EXPORTER_OTLP_ENDPOINT
      ? {
          endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
          headers: otlpHeaders(e.OTEL_EXPORTER_OTLP_HEADERS),
          serviceName: e.OTEL_SERVICE_NAME,
          sampleRatio: e.OTEL_TRACES_SAMPLER_ARG,
        }
      : null,
  };
}

/** OTEL_EXPORTER_OTLP_HEADERS as the OpenTelemetry spec writes it: `key=value,…`, values URL-encoded. */
function otlpHeaders(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of value?.split(',') ?? []) {
    const at = pair.indexOf('=');
    const raw = pair.slice(at + 1).trim();
    let decoded = raw;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      // Not URL-encoded after all (a lone %): taken as written.
    }
    headers[pair.slice(0, at).trim()] = decoded;
  }
  return headers;
}
