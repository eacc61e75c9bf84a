import { cpSync, rmSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PGlite } from '@electric-sql/pglite';
const T = async (label: string, fn: () => Promise<unknown>) => { const t = performance.now(); const c = process.cpuUsage(); const r = await fn(); const u = process.cpuUsage(c); console.log(label, (performance.now() - t).toFixed(0), 'wall', ((u.user + u.system) / 1000).toFixed(0), 'cpu'); return r; };
const { openDatabase } = await import('/work/wt/htests/src/db/client.ts');
const { migrateDatabase } = await import('/work/wt/htests/src/db/migrate.ts');
const { loadDemoStory } = await import('/work/wt/htests/src/seed/load-demo.ts');
const { default: pino } = await import('pino');
const log = pino({ level: 'silent' });
for (let i = 0; i < 2; i++) await T('PGlite.create memory', async () => { const p = await PGlite.create('memory://'); await p.close(); });
let db: any;
await T('openDatabase memory', async () => { db = await openDatabase({ dataDir: 'memory://', log }); });
await T('migrate', () => migrateDatabase(db));
await T('seed', () => db.withStartupLock((d: any) => loadDemoStory(d)));
await db.close?.();
const tpl = mkdtempSync(join(tmpdir(), 'htests-tpl-'));
await T('template build (file)', async () => { const d = await openDatabase({ dataDir: tpl, log }); await migrateDatabase(d); await d.withStartupLock((x: any) => loadDemoStory(x)); await d.close(); });
for (let i = 0; i < 3; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'htests-copy-'));
  await T('copy', async () => cpSync(tpl, dir, { recursive: true }));
  await T('open copy + migrate + seed', async () => { const d = await openDatabase({ dataDir: dir, log }); await migrateDatabase(d); await d.withStartupLock((x: any) => loadDemoStory(x)); await d.close(); });
  rmSync(dir, { recursive: true });
}
// dump/load tarball
const p = await PGlite.create(tpl);
const blob = await T('dumpDataDir', () => p.dumpDataDir('none')) as Blob;
await p.close();
console.log('blob', blob.size);
for (let i = 0; i < 3; i++) await T('create memory from blob', async () => { const q = await PGlite.create('memory://', { loadDataDir: blob }); await q.query('select count(*) from entries'); await q.close(); });
rmSync(tpl, { recursive: true });
process.exit(0);
