/**
 * Keyset pagination shared by every connection: argument checks, opaque
 * cursors, the SQL order and "after the cursor" condition, and assembling a
 * Relay connection from the rows of one batched query.
 *
 * A connection is ordered by a list of sort keys that ends with a unique
 * tie-breaker (an id), so the order is total and a cursor (the row's sort
 * values) pins a position even while rows are added. A cursor also names the
 * connection it came from (e.g. `Story.entries`, with its order when it has
 * several), and another connection refuses it rather than read its values as
 * its own.
 */
import { type SQL, and, or, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { badUserInput } from '../errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../page-size.js';

export interface ConnectionArgs {
  first?: number | null | undefined;
  last?: number | null | undefined;
  after?: string | null | undefined;
  before?: string | null | undefined;
}

type KeyKind = 'date' | 'int' | 'float' | 'string';

export interface SortKey {
  expr: AnyPgColumn | SQL;
  direction: 'asc' | 'desc';
  kind: KeyKind;
  /**
   * Where NULLs go in this key's direction, when it must match an index:
   * drizzle's indexes are `DESC NULLS LAST`, PostgreSQL's `ORDER BY … DESC`
   * means NULLS FIRST, and an index only gives an order it matches exactly —
   * even on NOT NULL columns — or the planner sorts every row instead.
   */
  nulls?: 'first' | 'last';
}

export interface Page {
  /** The connection the cursors belong to: written into every cursor, checked on every cursor given. */
  connection: string;
  /** Rows wanted; the query asks for one more to learn whether another page exists. */
  limit: number;
  /** Paging with `last`/`before`: the query runs in reverse order and the rows are flipped back. */
  backward: boolean;
  /** Sort values of the cursor row, or null from the start (or end). */
  cursor: unknown[] | null;
}

/**
 * The page `args` ask for, of the connection named `connection` (any stable
 * name; the API uses the field, e.g. `Query.people`) ordered by `keys`.
 */
export function readPage(args: ConnectionArgs, keys: readonly SortKey[], connection: string): Page {
  const { first, last, after, before } = args;
  if (first != null && last != null) throw badUserInput('first', 'use either `first` (with `after`) or `last` (with `before`), not both');
  if (after != null && before != null) throw badUserInput('after', 'use either `after` or `before`, not both');
  if (first != null && before != null) throw badUserInput('before', '`before` pages backwards: use it with `last`');
  if (last != null && after != null) throw badUserInput('after', '`after` pages forwards: use it with `first`');
  const backward = last != null || before != null;
  const size = backward ? (last ?? DEFAULT_PAGE_SIZE) : (first ?? DEFAULT_PAGE_SIZE);
  const sizeArg = backward ? 'last' : 'first';
  if (!Number.isInteger(size) || size < 0) throw badUserInput(sizeArg, 'must be zero or a positive whole number');
  if (size > MAX_PAGE_SIZE) throw badUserInput(sizeArg, `must be at most ${MAX_PAGE_SIZE}`);
  const cursorArg = backward ? 'before' : 'after';
  const raw = backward ? before : after;
  return { connection, limit: size, backward, cursor: raw == null ? null : decodeCursor(raw, keys, connection, cursorArg) };
}

/** base64url of the JSON array [connection, ...sort values]. */
export function encodeCursor(connection: string, values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify([connection, ...values.map((v) => (v instanceof Date ? v.toISOString() : v))]), 'utf8').toString('base64url');
}

function decodeCursor(raw: string, keys: readonly SortKey[], connection: string, field: string): unknown[] {
  const invalid = () => badUserInput(field, `is not a cursor of ${connection}`);
  if (raw.length > 500 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || typeof decoded[0] !== 'string') throw invalid();
  const [from, ...values] = decoded as [string, ...unknown[]];
  if (from !== connection) {
    const known = from.length <= 100 && /^[\w.:-]+$/.test(from);
    throw badUserInput(field, known ? `is a cursor of ${from}, not of ${connection}` : `is not a cursor of ${connection}`);
  }
  if (values.length !== keys.length) throw invalid();
  return keys.map((key, i) => {
    const v: unknown = values[i];
    switch (key.kind) {
      case 'date': {
        // Exactly what encodeCursor writes, within years PostgreSQL accepts.
        if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v)) throw invalid();
        const date = new Date(v);
        if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1 || date.toISOString() !== v) throw invalid();
        return v;
      }
      case 'int':
        if (!Number.isSafeInteger(v)) throw invalid();
        return v;
      case 'float':
        if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid();
        return v;
      case 'string':
        // PostgreSQL text cannot hold NUL: refused here, not as an internal error from the query.
        if (typeof v !== 'string' || v.includes('\u0000')) throw invalid();
        return v;
    }
  });
}

const casts: Record<KeyKind, string> = { date: 'timestamptz', int: 'bigint', float: 'float8', string: 'text' };

function param(key: SortKey, value: unknown): SQL {
  return sql`cast(${value} as ${sql.raw(casts[key.kind])})`;
}

/** ORDER BY for the page's direction. */
export function orderFor(keys: readonly SortKey[], page: Pick<Page, 'backward'>): SQL {
  return sql.join(
    keys.map((k) => {
      const asc = (k.direction === 'asc') !== page.backward;
      // Paging backwards reverses the whole order, NULLs' place included (the same index, read backwards).
      const nulls = k.nulls && ((k.nulls === 'first') !== page.backward ? ' nulls first' : ' nulls last');
      return sql`${k.expr} ${sql.raw(`${asc ? 'asc' : 'desc'}${nulls ?? ''}`)}`;
    }),
    sql`, `,
  );
}

/** Rows strictly after the cursor in the page's direction; undefined when there is no cursor. */
export function afterCursor(keys: readonly SortKey[], page: Page): SQL | undefined {
  const { cursor } = page;
  if (!cursor) return undefined;
  const branches = keys.map((key, i) => {
    const asc = (key.direction === 'asc') !== page.backward;
    const equalBefore = keys.slice(0, i).map((k, j) => sql`${k.expr} = ${param(k, cursor[j])}`);
    const beyond = sql`${key.expr} ${sql.raw(asc ? '>' : '<')} ${param(key, cursor[i])}`;
    return and(...equalBefore, beyond)!;
  });
  return or(...branches);
}

/**
 * The parents of a batched page query, one row each, as `parent.id`: the
 * `ids` placeholder unnested. Each parent's page then comes from a LATERAL
 * subquery that walks the index in page order and stops after its limit, where
 * a window over every parent's rows (rowNumber) reads and ranks all of them
 * (a person quoted 400 times, a story of 400 entries) to keep a page of 20.
 */
export const parentKeys = sql`unnest(${sql.placeholder('ids')}::int[]) as parent(id)`;
export const parentId = sql<number>`parent.id`;

/** The fields `columns` names, read from the subquery that selected them (for the outer query of a LATERAL page). */
export function fieldsOf<C extends Record<string, unknown>, S extends { [K in keyof C]: unknown }>(subquery: S, columns: C): { [K in keyof C]: S[K] } {
  return Object.fromEntries(Object.keys(columns).map((k) => [k, subquery[k as keyof C]])) as { [K in keyof C]: S[K] };
}

/** Position in page order inside a LATERAL page (which has one parent only): the outer query orders by it. */
export function pagePosition(keys: readonly SortKey[], page: Pick<Page, 'backward'>): SQL<number> {
  return sql<number>`row_number() over (order by ${orderFor(keys, page)})`;
}

/** row_number() over the parent's rows in page order: the batched query keeps rn <= limit + 1. */
export function rowNumber(partitionBy: AnyPgColumn | SQL, keys: readonly SortKey[], page: Page): SQL<number> {
  return sql<number>`row_number() over (partition by ${partitionBy} order by ${orderFor(keys, page)})`;
}

/**
 * For a query built once per shape (src/db/prepared.ts): the page with
 * placeholders `c0`, `c1`… for its cursor values, the part of the SQL text
 * that varies with the page (direction, cursor or not), and the values to
 * run it with (`limit` is the row numbers kept: the page size plus one).
 */
export function placeholderPage(page: Page): { page: Page; shape: string; values: Record<string, unknown> } {
  const values: Record<string, unknown> = { limit: page.limit + 1 };
  page.cursor?.forEach((value, i) => (values[`c${i}`] = value));
  return {
    page: { ...page, cursor: page.cursor ? page.cursor.map((_, i) => sql.placeholder(`c${i}`)) : null },
    shape: `${page.backward ? 'backward' : 'forward'}${page.cursor ? ':cursor' : ''}`,
    values,
  };
}

export interface Edge<T> {
  cursor: string;
  node: T;
}
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/**
 * Builds the connection from rows fetched in page order with one extra row.
 * `sortValues` returns a row's values for the sort keys, in order.
 */
export function toConnection<T>(rows: readonly T[], page: Page, sortValues: (row: T) => unknown[]): Connection<T> {
  const more = rows.length > page.limit;
  const kept = rows.slice(0, page.limit);
  if (page.backward) kept.reverse();
  const edges = kept.map((node) => ({ cursor: encodeCursor(page.connection, sortValues(node)), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.backward ? page.cursor !== null : more,
      hasPreviousPage: page.backward ? more : page.cursor !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** The rows of a batched query, one list per key in `keys` order (a DataLoader's answer), keeping row order. */
export function groupRows<K, T>(keys: readonly K[], rows: readonly T[], keyOf: (row: T) => K): T[][] {
  const byKey = new Map<K, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const list = byKey.get(key);
    if (list) list.push(row);
    else byKey.set(key, [row]);
  }
  return keys.map((key) => byKey.get(key) ?? []);
}

/** Splits the rows of a batched query (page order, grouped by parent) into one connection per parent key. */
export function toConnections<K, T>(
  parentKeys: readonly K[],
  rows: readonly T[],
  parentOf: (row: T) => K,
  page: Page,
  sortValues: (row: T) => unknown[],
): Connection<T>[] {
  return groupRows(parentKeys, rows, parentOf).map((group) => toConnection(group, page, sortValues));
}
