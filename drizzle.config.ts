import { defineConfig } from 'drizzle-kit';

// Only `drizzle-kit generate` uses this file: migrations are written from the
// TypeScript schema and applied by the app itself at start-up (src/db/migrate.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
  casing: 'snake_case',
});
