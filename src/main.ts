/** Entry point: loadConfig → buildApp → listen; SIGTERM/SIGINT → stop. */
import { buildApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

let config: Config;
try {
  config = loadConfig(process.env, { isTTY: Boolean(process.stdout.isTTY) });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}

const log = createLogger(config);
const app = await buildApp(config, log);
const url = await app.listen();
log.info({ url: `${url}/graphql`, database: app.database.description }, `Diretta is serving GraphiQL at ${url}/graphql`);

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
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
