/**
 * Mints a bearer token: `npm run token -- --role editor --sub alice --name "Alice Bianchi" [--expires 12h]`.
 * `--name` is the display name the editor's bylines print (without it, entries carry no byline unless given one).
 * Uses JWT_SECRET, or the secret the embedded setup keeps in DATA_DIR.
 */
import { parseArgs } from 'node:util';
import { resolveJwtSecret } from '../src/auth/secret.js';
import { ROLES, mintToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import type { Role } from '../src/viewer.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'editor' },
    sub: { type: 'string', default: 'editor' },
    name: { type: 'string' },
    expires: { type: 'string', default: '12h' },
  },
});

const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const match = /^(\d+)([smhd])$/.exec(values.expires!);
if (!match) throw new Error('--expires takes a number and a unit, e.g. 30m, 12h, 7d');
if (!(ROLES as readonly string[]).includes(values.role!)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);

const { secret } = resolveJwtSecret(loadConfig(process.env));
const token = await mintToken(secret, { role: values.role as Role, subject: values.sub!, ...(values.name ? { name: values.name } : {}), expiresIn: Number(match[1]) * units[match[2]!]! });
console.log(token);
