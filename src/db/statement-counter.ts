import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'drizzle-orm/logger';
import type { CounterCell } from '../observability/metric-families.js';

/**
 * Counts the SQL statements an operation runs, so that tests and the
 * benchmark can prove that a request's statement count follows the shape of
 * its query and not the number of rows. Every statement goes through drizzle,
 * whose logger is the one hook both drivers share.
 */
export interface StatementCount {
  statements: number;
}

const storage = new AsyncLocalStorage<StatementCount>();

/** Runs fn counting its statements into `counter`; with no counter, just runs it (and touches no AsyncLocalStorage). */
export function countStatements<T>(counter: StatementCount | null, fn: () => T): T {
  return counter ? storage.run(counter, fn) : fn();
}

export const statementCountingLogger: Logger = {
  logQuery() {
    const counter = storage.getStore();
    if (counter) counter.statements += 1;
  },
};

/** The same, also counting every statement into `total` (diretta_db_statements_total): a number added to, nothing more. */
export function statementLogger(total: CounterCell | null): Logger {
  if (!total) return statementCountingLogger;
  return {
    logQuery() {
      total.value += 1;
      const counter = storage.getStore();
      if (counter) counter.statements += 1;
    },
  };
}
