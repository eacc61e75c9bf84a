/**
 * Two Diretta apps in one process (`node --import tsx bench/twin-api.ts`), each on a port of its own and
 * differing only in the environment given to each: the reads benchmark's in-process comparison of metrics on
 * against off (--metrics-in-process).
 *
 * Two processes of the same program may run at different speeds for their whole lives (where their memory
 * landed, what V8 chose to compile), by more than the few per cent compared; two apps in one process share
 * that luck. What is process-wide is shared too: prom-client's default collectors (the garbage collector's
 * observer, the event-loop monitor), once the app with metrics turns them on, run under both.
 *
 * Environment: the API's own (DATABASE_URL, JWT_SECRET…), plus TWIN_PORTS ("portA,portB") and TWIN_ENVS, a
 * JSON array of two objects, each side's variables over the common ones. Prints `TWINS READY` once both
 * listen; SIGTERM stops both.
 */
import type { App } from '../src/app.js';
import { resolveJwtSecret } from '../src/auth/secret.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';

const ports = (process.env.TWIN_PORTS ?? '').split(',').map(Number);
const envs = JSON.parse(process.env.TWIN_ENVS ?? '[{},{}]') as Record<string, string>[];
if (ports.length !== 2 || !ports.every((port) => Number.isInteger(port) && port > 0) || envs.length !== 2) {
  throw new Error('twin-api needs TWIN_PORTS="portA,portB" and TWIN_ENVS=[{…},{…}]');
}

const { buildApp } = await import('../src/app.js');
const apps: App[] = [];
for (const [index, own] of envs.entries()) {
  const config = loadConfig({ ...process.env, ...own, PORT: String(ports[index]) });
  const app = await buildApp({ config, log: createLogger(config), jwtSecret: resolveJwtSecret(config).secret });
  await app.listen();
  apps.push(app);
}
console.log('TWINS READY');

process.on('SIGTERM', () => {
  void Promise.all(apps.map((app) => app.stop())).then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
