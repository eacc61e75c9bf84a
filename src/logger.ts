import pino from 'pino';
import type { Config } from './config.js';

export type { Logger } from 'pino';

export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>) {
  return pino({
    name: 'diretta',
    level: config.logLevel,
    ...(config.logFormat === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name', singleLine: true } } }
      : {}),
  });
}
