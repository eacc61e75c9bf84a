/**
 * Test databases: a fresh in-memory PGlite, or a fresh database created on
 * the PostgreSQL server of TEST_DATABASE_URL (dropped again afterwards), so
 * that every test file is isolated.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export const databaseKind = process.env.TEST_DATABASE_KIND === 'postgres' ? 'postgres' : 'pglite';

export interface TestDatabase {
  /** DATABASE_URL for the app, or undefined for PGlite. */
  url: string | undefined;
  dataDir: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (databaseKind === 'pglite') return { url: undefined, dataDir: 'memory://', drop: async () => {} };
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `diretta_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dataDir: 'memory://',
    async drop() {
      const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
