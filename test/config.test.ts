import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, dataDir: './data', databaseUrl: undefined, seedDemo: true, graphiql: true, logFormat: 'json' });
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', SEED_DEMO: 'maybe' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'SEED_DEMO']) expect(problems).toContain(name);
    }
  });

  it('reads the page size and the text-analysis budget, within their bounds', () => {
    expect(loadConfig({})).toMatchObject({ pageEntries: 20, limits: { analyzeTextCharsPerMinute: 500_000 } });
    expect(loadConfig({ PAGE_ENTRIES: '30', ANALYZE_TEXT_CHARS_PER_MINUTE: '0' })).toMatchObject({ pageEntries: 30, limits: { analyzeTextCharsPerMinute: 0 } });
    for (const env of [{ PAGE_ENTRIES: '0' }, { PAGE_ENTRIES: '101' }, { ANALYZE_TEXT_CHARS_PER_MINUTE: '-1' }]) {
      expect(() => loadConfig(env), JSON.stringify(env)).toThrow(Object.keys(env)[0]);
    }
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' })).toMatchObject({ databaseUrl: undefined, port: 4000 });
  });
});

describe('the JWT secret', () => {
  it('is required with a server database, and made up for the embedded one', async () => {
    const { MissingSecretError, resolveJwtSecret } = await import('../src/auth/secret.js');
    expect(() => resolveJwtSecret({ jwtSecret: undefined, databaseUrl: 'postgres://x/y', dataDir: './data' })).toThrow(MissingSecretError);
    expect(resolveJwtSecret({ jwtSecret: undefined, databaseUrl: undefined, dataDir: 'memory://' }).generated).toBe(true);
    expect(resolveJwtSecret({ jwtSecret: 's'.repeat(32), databaseUrl: 'postgres://x/y', dataDir: './data' })).toEqual({ secret: 's'.repeat(32), generated: false });
  });
});
