import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync } from 'node:fs';
for (const dir of ['memory://', mkdtempSync('/tmp/htests-w-'), 'memory://', mkdtempSync('/tmp/htests-w-')]) {
  const p = await PGlite.create(dir);
  await p.exec('create table t (id serial primary key, v text)');
  const t = performance.now(); const c = process.cpuUsage();
  for (let i = 0; i < 500; i++) await p.transaction(async (tx) => { await tx.query('insert into t (v) values ($1)', ['x' + i]); });
  const u = process.cpuUsage(c);
  console.log(dir, (performance.now() - t).toFixed(0), 'ms', ((u.user + u.system) / 1000).toFixed(0), 'cpu');
  await p.close();
}
