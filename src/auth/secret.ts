/**
 * Where the JWT secret comes from. Production sets JWT_SECRET. The embedded
 * default, meant for a laptop, creates one in DATA_DIR on first start so that
 * a newcomer can publish from GraphiQL at once; a server database without a
 * secret is refused, because several instances must share one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';

export class MissingSecretError extends Error {}

export interface ResolvedSecret {
  secret: string;
  /** Whether it was made up here (a development setup) rather than configured. */
  generated: boolean;
}

export function resolveJwtSecret(config: Pick<Config, 'jwtSecret' | 'databaseUrl' | 'dataDir'>): ResolvedSecret {
  if (config.jwtSecret) return { secret: config.jwtSecret, generated: false };
  if (config.databaseUrl) {
    throw new MissingSecretError(
      'JWT_SECRET is not set. With DATABASE_URL every instance must verify the same tokens: set JWT_SECRET to a random string of at least 32 characters (e.g. `openssl rand -hex 32`).',
    );
  }
  if (config.dataDir.startsWith('memory://')) return { secret: randomBytes(32).toString('hex'), generated: true };
  const file = join(config.dataDir, 'jwt-secret');
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), generated: true };
  mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, generated: true };
}
