import type { Db } from './db/client.js';
import type { StatementCount } from './db/statement-counter.js';
import type { LiveBus } from './live/bus.js';
import type { Logger } from './logger.js';
import type { Viewer } from './viewer.js';

/**
 * Everything a resolver may use, built fresh for each operation so that
 * DataLoader caches (keyed on this object by Pothos) never outlive a request.
 */
export interface Context {
  viewer: Viewer;
  db: Db;
  live: LiveBus;
  log: Logger;
  requestId: string;
  /** SQL statements this operation has run (see src/db/statement-counter.ts). */
  statements: StatementCount;
}
