/**
 * Once per run and project (vitest's globalSetup): the template databases
 * test/helpers/database.ts copies — the migrations applied ('migrated'),
 * and the demo story loaded on top ('seeded') — built by the app's own
 * start-up code (openDatabase, migrateDatabase, loadDemoStory), so that a
 * copy is what a server's first start would have left. Dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { loadDemoStory } from '../../src/seed/load-demo.js';
import { type DatabaseTemplates, createPostgresDatabase, dataDirRoot, databaseUrl, dropPostgresDatabase } from './database.js';

const log = pino({ level: 'silent' });

async function prepare(options: { url?: string; dataDir: string }, seed: boolean): Promise<void> {
  const database = await openDatabase({ ...options, log });
  try {
    await migrateDatabase(database);
    if (seed) await database.withStartupLock((db) => loadDemoStory(db));
  } finally {
    await database.close();
  }
}

/**
 * PGlite's initdb writes PostgreSQL's default `shared_buffers = 128MB`, and every start of the embedded
 * server sets up that pool again: measured on this project's templates, 0.75 s of CPU per start with
 * 128 MB, 0.28 s with 16 MB. A test database holds a few hundred rows and each one is opened by a
 * server that runs for seconds, about 250 times a run: the templates get a pool that fits them. The
 * app's own databases keep PostgreSQL's default (`npm start` opens its database once).
 */
function shrinkBufferPool(dataDir: string): void {
  const file = join(dataDir, 'postgresql.conf');
  const conf = readFileSync(file, 'utf8');
  const shrunk = conf.replace(/^shared_buffers = \S+/m, 'shared_buffers = 16MB');
  if (shrunk === conf) throw new Error(`no shared_buffers line in ${file}: PGlite's initdb changed`);
  writeFileSync(file, shrunk);
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // The projects of vitest.config.ts: 'pglite', 'postgres', and 'faults', whose tests bring clusters of their own.
  const kind = project.name;
  if (kind !== 'pglite' && kind !== 'postgres') {
    project.provide('databaseTemplates', null);
    return undefined;
  }
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(dataDirRoot, 'diretta-templates-'));
    const templates: DatabaseTemplates = { migrated: join(dir, 'migrated'), seeded: join(dir, 'seeded') };
    await prepare({ dataDir: templates.migrated }, false);
    cpSync(templates.migrated, templates.seeded, { recursive: true });
    await prepare({ dataDir: templates.seeded }, true);
    for (const dataDir of Object.values(templates)) shrinkBufferPool(dataDir);
    project.provide('databaseTemplates', templates);
    return async () => rmSync(dir, { recursive: true, force: true });
  }
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set');
  const suffix = randomBytes(6).toString('hex');
  const templates: DatabaseTemplates = { migrated: `diretta_template_${suffix}_migrated`, seeded: `diretta_template_${suffix}_seeded` };
  try {
    await createPostgresDatabase(serverUrl, templates.migrated);
    await prepare({ url: databaseUrl(serverUrl, templates.migrated), dataDir: 'memory://' }, false);
    await createPostgresDatabase(serverUrl, templates.seeded, templates.migrated);
    await prepare({ url: databaseUrl(serverUrl, templates.seeded), dataDir: 'memory://' }, true);
  } catch (error) {
    for (const name of Object.values(templates)) await dropPostgresDatabase(serverUrl, name);
    throw error;
  }
  project.provide('databaseTemplates', templates);
  return async () => {
    for (const name of Object.values(templates)) await dropPostgresDatabase(serverUrl, name);
  };
}
