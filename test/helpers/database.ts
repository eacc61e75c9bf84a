/**
 * Test databases: every test file (every server, where a file starts
 * several) gets a database of its own — a PGlite data directory in a
 * temporary directory, or a database created on the PostgreSQL server of
 * TEST_DATABASE_URL — dropped again afterwards.
 *
 * A fresh database is a copy of a template built once per run by
 * test/helpers/global-setup.ts with the app's own code: the migrations
 * applied, and, for servers that load the demo story (SEED_DEMO, on by
 * default), the demo story loaded. Copying is cheap (`CREATE DATABASE …
 * TEMPLATE` on PostgreSQL, copying a data directory for PGlite), where
 * creating a PGlite cluster and migrating it costs seconds of CPU per
 * server. The app still runs its migrations and its seeding at start-up,
 * finding them done, as on any restart. Without the templates (a file run
 * outside vitest's global setup) a database starts empty, as before.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { inject } from 'vitest';

export const databaseKind = process.env.TEST_DATABASE_KIND === 'postgres' ? 'postgres' : 'pglite';

/**
 * Whether this project runs the tests whose subject is a component in front of the API (Varnish, Pushpin,
 * Prometheus): once a run, on PostgreSQL when the suite has one (as such a deployment would), else on PGlite.
 * What they check is what that component sees over HTTP; the database paths under it (purges, the GRIP
 * publisher's outbox, the metrics) have tests of their own on both databases.
 */
export const componentTestsRunHere = databaseKind === (process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite');

/** What a fresh database holds: nothing but the migrations, or also the demo story. */
export type TemplateName = 'migrated' | 'seeded';

/** Where the run's templates are (provided by test/helpers/global-setup.ts): PGlite data directories, or database names. */
export type DatabaseTemplates = Record<TemplateName, string>;

declare module 'vitest' {
  interface ProvidedContext {
    databaseTemplates: DatabaseTemplates | null;
  }
}

export interface TestDatabase {
  /** DATABASE_URL for the app, or undefined for PGlite. */
  url: string | undefined;
  dataDir: string;
  drop(): Promise<void>;
}

/**
 * Where PGlite's data directories go: /dev/shm (memory) where there is one, else the temporary directory. A
 * data directory is 40 MB in 1,100 files, copied from its template for every server of the pglite project and
 * removed after it: on this machine's ext4 /tmp that cost 0.38 s of CPU a database (as much as starting the
 * server on it), on tmpfs 0.09 s, and PGlite's own writes (its WAL, each commit's fsync) are cheaper there too.
 */
export const dataDirRoot = (() => {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
})();

function templates(): DatabaseTemplates | null {
  try {
    return inject('databaseTemplates') ?? null;
  } catch {
    return null; // not inside a vitest worker
  }
}

/**
 * A database of its own, from the template `from` ('migrated' unless said: the app loads the demo story itself
 * when SEED_DEMO is on; test/helpers/server.ts asks for 'seeded' when it is).
 */
export async function createTestDatabase(from: TemplateName = 'migrated'): Promise<TestDatabase> {
  const template = templates()?.[from];
  if (databaseKind === 'pglite') {
    if (!template) return { url: undefined, dataDir: 'memory://', drop: async () => {} };
    const dataDir = mkdtempSync(join(dataDirRoot, 'diretta-test-'));
    cpSync(template, dataDir, { recursive: true });
    return { url: undefined, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `diretta_test_${randomBytes(6).toString('hex')}`;
  await createPostgresDatabase(serverUrl, name, template);
  return {
    url: databaseUrl(serverUrl, name),
    dataDir: 'memory://',
    drop: () => dropPostgresDatabase(serverUrl, name),
  };
}

export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createPostgresDatabase(serverUrl: string, name: string, template?: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.unsafe(`create database ${name}${template ? ` template ${template}` : ''}`);
        return;
      } catch (error) {
        // 55006: the template is being accessed by other users (another CREATE DATABASE copying it at that moment).
        if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  } finally {
    await admin.end();
  }
}

export async function dropPostgresDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}
