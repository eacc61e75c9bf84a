import { fileURLToPath } from 'node:url';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { Database, Db } from './client.js';

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Applies the drizzle-kit migrations; several instances starting at once take turns. */
export async function migrateDatabase(database: Database): Promise<void> {
  await database.withStartupLock(async (db: Db) => {
    // The two migrators differ only in their driver type; the SQL they run is the same.
    if (database.kind === 'pglite') await migratePglite(db as unknown as PgliteDatabase, { migrationsFolder });
    else await migratePostgres(db as unknown as PostgresJsDatabase, { migrationsFolder });
  });
}
