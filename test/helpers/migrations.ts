/** The SQL of a migration in drizzle/, found by its name without the number (numbers shift when branches merge). */
import { readFileSync, readdirSync } from 'node:fs';

const dir = new URL('../../drizzle/', import.meta.url);

export function readMigration(name: string): string {
  const file = readdirSync(dir).find((f) => /^\d{4}_/.test(f) && f.slice(5) === `${name}.sql`);
  if (!file) throw new Error(`no migration named ${name} in drizzle/`);
  return readFileSync(new URL(file, dir), 'utf8');
}
