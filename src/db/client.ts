import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Logger } from 'pino';
import { causeChain } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { Span, Tracing } from '../observability/tracing.js';
import { OutageLog, READ_OUTAGE_WAIT_MS, retryWhileUnavailable } from './outage.js';
import { reconnectBackoff } from './reconnect.js';
import * as schema from './schema.js';
import { isDatabaseUnavailable } from './unavailable.js';
import { statementCountingLogger, statementLogger } from './statement-counter.js';

/** The drizzle database, whichever driver is underneath. Code above src/db sees only this. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction handle: the same query API as Db. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Rows of a raw SQL statement, whichever driver ran it (their result shapes differ). */
export async function queryRows<T>(db: Db | Tx, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** Where a postgres:// URL points, without credentials, for logs and messages. */
function postgresLocation(url: string): { server: string; database: string } {
  try {
    const parsed = new URL(url);
    const socketDir = parsed.searchParams.get('host');
    const server = parsed.hostname ? `${parsed.hostname}:${parsed.port || 5432}` : `socket ${socketDir ?? '(default)'}`;
    return { server, database: decodeURIComponent(parsed.pathname.slice(1)) || 'postgres' };
  } catch {
    return { server: '(unparsable URL)', database: '' };
  }
}

/** host:port/database of a postgres:// URL, without credentials. */
export function describePostgresUrl(url: string): string {
  const { server, database } = postgresLocation(url);
  return `${server}/${database}`;
}

/**
 * What went wrong, in one line, when the database of DATABASE_URL cannot be
 * used at start-up (no such database, wrong credentials, nothing listening,
 * unknown host); null for any other error, which keeps its stack.
 */
export function databaseStartupProblem(error: unknown, url: string | undefined): string | null {
  if (!url) return null;
  const { server, database } = postgresLocation(url);
  for (const e of causeChain(error)) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    const detail = typeof message === 'string' ? message.split('\n')[0] : String(code);
    switch (code) {
      case '3D000':
        return `the database "${database}" does not exist on the PostgreSQL server at ${server} (DATABASE_URL): create it (createdb ${database}) or point DATABASE_URL at one that exists.`;
      case '28P01':
      case '28000':
        return `the PostgreSQL server at ${server} refused the credentials in DATABASE_URL: ${detail}.`;
      case 'ECONNREFUSED':
      case 'ENOENT': // a Unix socket that is not there
        return `nothing accepts connections at ${server} (DATABASE_URL): is PostgreSQL running there?`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `the host of DATABASE_URL (${server}) cannot be resolved.`;
      case 'ETIMEDOUT':
      case 'CONNECT_TIMEOUT':
        return `the PostgreSQL server at ${server} (DATABASE_URL) did not answer in time.`;
    }
  }
  return isDatabaseUnavailable(error) ? `the PostgreSQL server at ${server} (DATABASE_URL) is unavailable: ${String((error as { message?: unknown }).message ?? error).split('\n')[0]}.` : null;
}

export interface Listener {
  /** Called with the NOTIFY payload. */
  onNotify(payload: string): void;
  /**
   * Called once LISTEN is in place, and again after every reconnection: the
   * caller catches up from the event log then, since NOTIFYs sent while the
   * connection was down are lost.
   */
  onListen(): void;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /** Where it lives, without credentials, for logs. */
  readonly description: string;
  /** Whether it is unreachable right now (a restart, a failover), logged once per outage. */
  readonly outage: OutageLog;
  listen(channel: string, listener: Listener): Promise<() => Promise<void>>;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  /** Sends a NOTIFY at once (on the writers' connections with PostgreSQL: it never waits behind reads). */
  notify(channel: string, payload: string): Promise<void>;
  /** Runs fn on one connection with a session-level advisory lock held (start-up work). */
  withStartupLock<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent the embedded PGlite is used. */
  url?: string | undefined;
  /** PGlite data directory, or `memory://`. */
  dataDir: string;
  poolSize?: number;
  log: Logger;
  /** Statements, pools, outages and events appended are counted here. */
  metrics?: Metrics | null | undefined;
  /** Each statement run under an operation's (or a dispatch's) span gets a span of its own. */
  tracing?: Tracing | null | undefined;
}

const STARTUP_LOCK = 4_127_301; // any constant shared by every instance

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPglite(options.dataDir, options);
}

/**
 * Events appended in each transaction still open (by its handle), counted
 * into diretta_events_appended_total when it commits: a transaction that
 * rolls back (or is retried after a deadlock) appended nothing.
 */
const appendedIn = new WeakMap<object, { events: number }>();

/** Called by appendEvent: one more event in this transaction, counted if it commits. */
export function noteEventAppended(tx: Tx): void {
  const open = appendedIn.get(tx);
  if (open) open.events += 1;
}

/** Units of work (statements, transactions) holding or waiting for a pool's connections. */
class InFlight {
  count = 0;
  constructor(readonly size: number) {}
  get inUse() {
    return Math.min(this.count, this.size);
  }
  get waiting() {
    return Math.max(0, this.count - this.size);
  }
}

/** Wraps db.transaction: counts the transaction in its pool while it runs, and the events it appended once it commits. */
function countTransactions(db: Db, metrics: Metrics | null | undefined, pool: InFlight | null): void {
  if (!metrics) return;
  const transaction = db.transaction.bind(db);
  db.transaction = async function counted<T>(fn: (tx: Tx) => Promise<T>, config?: Parameters<Db['transaction']>[1]): Promise<T> {
    const appended = { events: 0 };
    if (pool) pool.count += 1;
    try {
      const result = await transaction((tx) => {
        appendedIn.set(tx, appended);
        return fn(tx);
      }, config);
      metrics.eventsAppended.inc(appended.events);
      return result;
    } finally {
      if (pool) pool.count -= 1;
    }
  };
}

/** The first word of a statement (SELECT, INSERT, WITH…): a span's name; the text goes in an attribute. */
function statementSpan(tracing: Tracing, text: string, system: string): Span | null {
  const verb = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
  return tracing.startChild(verb, { 'db.system.name': system, 'db.query.text': text.length > 4_000 ? `${text.slice(0, 4_000)}…` : text }, 'client');
}

/** Runs `work` under a statement's span (when a span is active), ending it when the statement settles. */
async function traced<T>(tracing: Tracing | null | undefined, text: string, system: string, work: () => PromiseLike<T>): Promise<T> {
  const span = tracing ? statementSpan(tracing, text, system) : null;
  if (!span) return work();
  try {
    return await work();
  } catch (error) {
    tracing!.fail(span, error);
    throw error;
  } finally {
    span.end();
  }
}

async function openPglite(dataDir: string, options: DatabaseOptions): Promise<Database> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const { metrics, tracing } = options;
  // One connection, in process: statements and transactions take turns on it.
  const pool = metrics ? new InFlight(1) : null;
  if (pool || tracing) instrumentPglite(client, pool, tracing ?? null);
  const db = drizzlePglite({ client, schema, casing: 'snake_case', logger: statementLogger(metrics?.statements ?? null) });
  countTransactions(db, metrics, null);
  if (pool) metrics!.pool('embedded', 1, () => pool);
  return {
    kind: 'pglite',
    db,
    description: dataDir.startsWith('memory://') ? 'PGlite (in memory)' : `PGlite (${dataDir})`,
    outage: new OutageLog(options.log, metrics ?? null),
    async listen(channel, listener) {
      // PGlite runs in this process: its LISTEN cannot be cut off, so onListen runs once.
      const unlisten = await client.listen(channel, (payload) => listener.onNotify(payload));
      listener.onListen();
      return unlisten;
    },
    ping: async () => {
      await client.query('select 1');
    },
    // A PGlite database belongs to this process alone: nothing to lock against.
    withStartupLock: (fn) => fn(db),
    notify: async (channel, payload) => {
      await client.query('select pg_notify($1, $2)', [channel, payload]);
    },
    close: () => client.close(),
  };
}

/** Counts PGlite's statements and transactions while they hold (or wait for) its one connection, and traces statements. */
function instrumentPglite(client: PGlite, pool: InFlight | null, tracing: Tracing | null): void {
  const held = async <T>(work: () => Promise<T>): Promise<T> => {
    if (pool) pool.count += 1;
    try {
      return await work();
    } finally {
      if (pool) pool.count -= 1;
    }
  };
  const query = client.query.bind(client);
  client.query = ((text: string, ...rest: unknown[]) =>
    held(() => traced(tracing, text, 'postgresql', () => (query as (...args: unknown[]) => Promise<unknown>)(text, ...rest)))) as PGlite['query'];
  const transaction = client.transaction.bind(client);
  client.transaction = ((fn: Parameters<PGlite['transaction']>[0]) =>
    held(() =>
      transaction((tx) => {
        if (tracing) {
          const inner = tx.query.bind(tx);
          tx.query = ((text: string, ...rest: unknown[]) => traced(tracing, text, 'postgresql', () => (inner as (...args: unknown[]) => Promise<unknown>)(text, ...rest))) as typeof tx.query;
        }
        return fn(tx);
      }),
    )) as PGlite['transaction'];
}

/**
 * postgres.js takes a Unix socket only as an option, not in the URL; accept
 * libpq's spelling, `postgres://user@/db?host=/var/run/postgresql`, which
 * spares every statement a trip through the TCP stack.
 */
function connectionOptions(url: string): { url: string; socketDir: string | undefined } {
  const parsed = new URL(url);
  const socketDir = parsed.searchParams.get('host') ?? undefined;
  if (!socketDir?.startsWith('/')) return { url, socketDir: undefined };
  parsed.searchParams.delete('host');
  return { url: parsed.toString(), socketDir };
}

function connect(url: string, extra: postgres.Options<Record<string, postgres.PostgresType>>) {
  const { url: withoutSocket, socketDir } = connectionOptions(url);
  return postgres(withoutSocket, { onnotice: () => {}, ...extra, ...(socketDir ? { host: socketDir } : {}) });
}

/**
 * drizzle sends each query unprepared, so PostgreSQL parses and plans it on
 * every execution — for our join-heavy loaders, planning took longer than
 * running. Asking postgres.js to prepare every statement (it keeps them per
 * connection, by text) and planning them generically once makes a repeated
 * query cost only its execution.
 *
 * Reads outside a transaction also wait through a short outage (see
 * ./outage.ts): a statement that only reads is safe to send again, so a
 * reader whose query met a restarting server gets a slower answer, not an
 * error. Writes and transactions are never repeated here: a lost answer to a
 * commit cannot tell whether it happened (clients retry those with their
 * idempotency keys).
 *
 * With metrics, each statement counts in its pool while it runs (postgres.js
 * keeps its pool's state to itself); with tracing, statements run under a
 * span get one of their own, inside transactions too.
 */
function preparedAndPatient(client: postgres.Sql, outage: OutageLog, pool: InFlight | null, tracing: Tracing | null): postgres.Sql {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'begin' && tracing) return tracedBegin(target, tracing);
      if (property !== 'unsafe') return Reflect.get(target, property, receiver);
      return (query: string, params?: postgres.ParameterOrJSON<never>[], options?: postgres.UnsafeQueryOptions) => {
        const run = () => target.unsafe(query, params, { ...options, prepare: true });
        const patient = READ_ONLY.test(query) && !WRITES.test(query);
        if (!patient && !pool && !tracing) return run();
        const once = async <T>(work: () => PromiseLike<T>): Promise<T> => {
          if (pool) pool.count += 1;
          try {
            const result = await traced(tracing, query, 'postgresql', work);
            outage.answered();
            return result;
          } finally {
            if (pool) pool.count -= 1;
          }
        };
        const attempt = <T>(work: () => PromiseLike<T>) => (patient ? retryWhileUnavailable(() => once(work), { waitMs: READ_OUTAGE_WAIT_MS, outage }) : once(work));
        // postgres.js queries are lazy thenables that drizzle awaits or asks for `.values()`: offer both, each retried whole.
        return {
          values: () => attempt(() => run().values()),
          then: (resolve: (rows: unknown) => unknown, reject: (error: unknown) => unknown) => attempt(() => run()).then(resolve, reject),
        } as unknown as ReturnType<typeof target.unsafe>;
      };
    },
  });
}

/** `sql.begin` whose transaction (and its savepoints) traces each statement. */
function tracedBegin(client: postgres.Sql, tracing: Tracing) {
  const inTransaction = <S extends postgres.Sql | postgres.TransactionSql>(sql: S): S =>
    new Proxy(sql, {
      get(target, property, receiver) {
        if (property === 'savepoint') {
          return (...args: unknown[]) => {
            const fn = args.pop() as (inner: postgres.TransactionSql) => unknown;
            return (target as postgres.TransactionSql).savepoint(...(args as [string]), (inner) => fn(inTransaction(inner)));
          };
        }
        if (property !== 'unsafe') return Reflect.get(target, property, receiver);
        return (query: string, params?: postgres.ParameterOrJSON<never>[], options?: postgres.UnsafeQueryOptions) => {
          const run = () => target.unsafe(query, params, options);
          return {
            values: () => traced(tracing, query, 'postgresql', () => run().values()),
            then: (resolve: (rows: unknown) => unknown, reject: (error: unknown) => unknown) => traced(tracing, query, 'postgresql', () => run()).then(resolve, reject),
          };
        };
      },
    });
  return (...args: unknown[]) => {
    const fn = args.pop() as (sql: postgres.TransactionSql) => unknown;
    return client.begin(...(args as [string]), (sql) => fn(inTransaction(sql)));
  };
}

const READ_ONLY = /^\s*(select|with)\b/i;
const WRITES = /\b(insert|update|delete|for\s+update|for\s+share|nextval|pg_advisory)\b/i;

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const client = connect(url, {
    max: options.poolSize ?? 10,
    connection: { application_name: 'diretta', plan_cache_mode: 'force_generic_plan' },
    backoff: reconnectBackoff,
  });
  const { metrics, tracing = null } = options;
  const outage = new OutageLog(options.log, metrics ?? null);
  const readers = metrics ? new InFlight(options.poolSize ?? 10) : null;
  const writers = metrics ? new InFlight(WRITER_POOL_SIZE) : null;
  const logger = statementLogger(metrics?.statements ?? null);
  const db = drizzlePostgres({ client: preparedAndPatient(client, outage, readers, tracing), schema, casing: 'snake_case', logger });
  // Editors never queue behind readers: transactions (every write of src/editing) run on a small pool of
  // their own, so a publish under a full read load does not wait for the statements of fifty readers.
  const writer = connect(url, {
    max: WRITER_POOL_SIZE,
    connection: { application_name: 'diretta-writer', plan_cache_mode: 'force_generic_plan' },
    backoff: reconnectBackoff,
  });
  // Statements outside a transaction on the writers' connections (none today) would count there: the transactions do.
  const writerDb = drizzlePostgres({ client: preparedAndPatient(writer, outage, null, tracing), schema, casing: 'snake_case', logger });
  db.transaction = writerDb.transaction.bind(writerDb);
  countTransactions(db, metrics, writers);
  if (metrics) {
    metrics.pool('readers', readers!.size, () => readers!);
    metrics.pool('writers', writers!.size, () => writers!);
  }
  return {
    kind: 'postgres',
    db,
    description: `PostgreSQL (${describePostgresUrl(url)})`,
    outage,
    async listen(channel, listener) {
      // postgres.js keeps one dedicated connection for LISTEN, reconnects it
      // when it drops and calls the onlisten callback again each time.
      const { unlisten } = await client.listen(
        channel,
        (payload) => listener.onNotify(payload),
        () => listener.onListen(),
      );
      return unlisten;
    },
    // Every ping is evidence for the outage log: /ready and the metrics' scrapes end an outage as soon as one answers.
    ping: () =>
      outage.observe(async () => {
        await client`select 1`;
        outage.answered();
      }),
    async withStartupLock(fn) {
      // A client of its own with one connection, so that the session-level
      // lock and everything fn runs share that connection.
      const single = connect(url, { max: 1, connection: { application_name: 'diretta-startup' } });
      try {
        await single`select pg_advisory_lock(${STARTUP_LOCK})`;
        return await fn(drizzlePostgres({ client: single, schema, casing: 'snake_case', logger: statementCountingLogger }));
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    notify: async (channel, payload) => {
      await writer.notify(channel, payload);
    },
    close: async () => {
      await Promise.all([client.end({ timeout: 5 }), writer.end({ timeout: 5 })]);
    },
  };
}

/** Connections of the writers' pool (see openPostgres): transactions are short, a few at once are plenty. */
const WRITER_POOL_SIZE = 3;
