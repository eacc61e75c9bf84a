/**
 * Entry point: loadConfig → buildApp → listen; SIGTERM/SIGINT → stop. The
 * server's modules (the schema, the database drivers) are loaded only once
 * the configuration holds and the ports are free: a mistake in either is
 * reported at once, not after seconds of loading.
 */
import { createServer } from 'node:net';
import { MissingSecretError, resolveJwtSecret } from './auth/secret.js';
import { mintToken } from './auth/tokens.js';
import type { App } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { demoStory } from './seed/demo-story.js';

let config: Config;
let jwtSecret: string;
let generatedSecret: boolean;
try {
  config = loadConfig(process.env, { isTTY: Boolean(process.stdout.isTTY) });
  ({ secret: jwtSecret, generated: generatedSecret } = resolveJwtSecret(config));
} catch (error) {
  if (error instanceof ConfigError || error instanceof MissingSecretError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}

const log = createLogger(config);
// A port that is taken is found before any work (migrations, the demo story), in one line.
const portProblem =
  (await portUnavailable({ host: config.host, port: config.port, names: 'PORT, HOST' })) ??
  (config.metrics.port === null ? null : await portUnavailable({ host: config.metrics.host, port: config.metrics.port, names: 'METRICS_PORT, METRICS_HOST' }));
if (portProblem) {
  console.error(`Diretta cannot start: ${portProblem}`);
  process.exit(1);
}
const { buildApp } = await import('./app.js');
const { databaseStartupProblem } = await import('./db/client.js');
let app: App;
let url: string;
try {
  app = await buildApp({ config, log, jwtSecret });
  url = await app.listen();
} catch (error) {
  // A configuration file that does not hold (TRUSTED_DOCUMENTS_FILE): every problem, as for the environment.
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  // A database that cannot be used, or a port that is taken: one line, not a stack.
  // A taken port says which of the two listeners it is (the main one, or the metrics one).
  const onMetricsPort = config.metrics.port !== null && config.metrics.port !== 0 && (error as { port?: unknown }).port === config.metrics.port;
  const address = onMetricsPort ? { host: config.metrics.host, port: config.metrics.port!, names: 'METRICS_PORT, METRICS_HOST' } : { host: config.host, port: config.port, names: 'PORT, HOST' };
  const problem = databaseStartupProblem(error, config.databaseUrl) ?? listenProblem(error, address);
  if (problem) {
    console.error(`Diretta cannot start: ${problem}`);
    process.exit(1);
  }
  throw error;
}
log.info({ url: `${url}/graphql`, database: app.database.description }, `Diretta is serving GraphiQL at ${url}/graphql`);
log.info({ url: `${url}/` }, `Readers' live pages are at ${url}/`);

if (generatedSecret && config.logFormat === 'json') {
  // JSON lines go to a log store: a token written there is a secret anyone reading the logs can use.
  log.info({ mint: 'npm run token -- --role editor --sub <name>' }, 'development secret in use; mint an editor token with npm run token');
} else if (generatedSecret) {
  // A development setup: hand the newcomer a token so GraphiQL can publish at once. Printed as one
  // block on stdout, not through the logger, whose lines arrive later (pino writes from a worker)
  // and would land after the token they introduce.
  const token = await mintToken(jwtSecret, { role: 'editor', subject: 'dev-editor', name: 'Redazione', expiresIn: 30 * 24 * 3600 });
  const demo = config.seedDemo ? `\n  The demo story, live:  ${url}/live/${demoStory.slug}` : '';
  console.log(
    `\n  GraphiQL:              ${url}/graphql${demo}\n\n  Development editor token (valid 30 days): in GraphiQL, paste this under "Headers" to publish:\n\n  {"Authorization": "Bearer ${token}"}\n`,
  );
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  const deadline = setTimeout(() => {
    log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown deadline passed; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs);
  deadline.unref();
  try {
    await app.stop();
    log.info('stopped');
    process.exit(0);
  } catch (error) {
    log.error({ err: error }, 'error while stopping');
    process.exit(1);
  }
}
// A bug on one request must not take the server down for everyone: log it loudly and keep serving.
process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

interface Address {
  host: string;
  port: number;
  /** The variables that set it, for the message. */
  names: string;
}

/** Binds the configured address for a moment: the one way to know it is free (port 0 always is). */
async function portUnavailable(address: Address): Promise<string | null> {
  if (address.port === 0) return null;
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(address.port, address.host, resolve);
    });
    return null;
  } catch (error) {
    return listenProblem(error, address);
  } finally {
    await new Promise((resolve) => probe.close(resolve));
  }
}

function listenProblem(error: unknown, { host, port, names }: Address): string | null {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') return `${host}:${port} is already in use (${names}).`;
  if (code === 'EACCES') return `not allowed to listen on ${host}:${port} (${names}).`;
  if (code === 'EADDRNOTAVAIL') return `${host} is not an address of this machine (${names.split(', ')[1]}).`;
  return null;
}
