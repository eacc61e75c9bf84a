import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, dataDir: './data', databaseUrl: undefined, seedDemo: true, graphiql: true, logFormat: 'json' });
    // Longer than graphql-ws' own 3 s: a busy instance in a reconnect storm reads connection_init late.
    expect(config.limits.wsConnectionInitTimeoutMs).toBe(10_000);
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

  it('reads the webhook targets and DNS servers, written as a URL writes hosts, and refuses anything else by name', () => {
    const { webhooks } = loadConfig({ WEBHOOK_ALLOWED_TARGETS: ' 127.0.0.1:8080, 0x7f000001:80,[::1]:443,Hooks.Corp.Example:8443', WEBHOOK_DNS_SERVERS: '10.0.0.2,127.0.0.1:5353,[fd00::2]:53' });
    expect(webhooks.allowedTargets).toEqual(['127.0.0.1:8080', '127.0.0.1:80', '[::1]:443', 'hooks.corp.example:8443']);
    expect(webhooks.dnsServers).toEqual(['10.0.0.2', '127.0.0.1:5353', '[fd00::2]:53']);
    // Slow is half the deadline unless set, and never past it.
    expect(loadConfig({ WEBHOOK_TIMEOUT_MS: '4000' }).webhooks.slowMs).toBe(2000);
    expect(loadConfig({ WEBHOOK_TIMEOUT_MS: '4000', WEBHOOK_SLOW_MS: '9000' }).webhooks.slowMs).toBe(4000);
    expect(loadConfig({}).webhooks).toMatchObject({ allowedTargets: [], dnsServers: [], secretGraceSeconds: 86_400, slowMs: 5_000 });
    try {
      loadConfig({ WEBHOOK_ALLOWED_TARGETS: '127.0.0.1,http://a:80,a:0', WEBHOOK_DNS_SERVERS: 'dns.example', WEBHOOK_SECRET_GRACE_SECONDS: '-1' });
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      for (const text of ['"127.0.0.1" is not a host:port pair', '"http://a:80" is not', '"a:0" is not', 'WEBHOOK_DNS_SERVERS: "dns.example"', 'WEBHOOK_SECRET_GRACE_SECONDS']) expect(problems).toContain(text);
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

describe('the edge settings', () => {
  it('defaults to a short browser lifetime, and a shared one as long only when something purges', () => {
    expect(loadConfig({}).edge).toMatchObject({ maxAge: 5, sMaxAge: 5, staleWhileRevalidate: 60, staleIfError: 864_000, trustedDocumentsOnly: false, trustedDocumentsFile: null });
    const purged = loadConfig({ VARNISH_PURGE_URL: 'http://127.0.0.1:6081/, http://127.0.0.1:6082/' }).edge;
    expect(purged.sMaxAge).toBe(60);
    expect(purged.purge.targets.varnish).toEqual(['http://127.0.0.1:6081/', 'http://127.0.0.1:6082/']);
    expect(loadConfig({ PURGE_URL: 'https://purger.example/purge', EDGE_S_MAXAGE: '30' }).edge.sMaxAge).toBe(30);
    expect(loadConfig({ FASTLY_SERVICE_ID: 'abc123', FASTLY_API_TOKEN: 'token' }).edge.purge.targets.fastly).toEqual({ serviceId: 'abc123', apiToken: 'token', apiUrl: 'https://api.fastly.com' });
  });

  it('names each bad purge setting', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ VARNISH_PURGE_URL: 'http://ok/,ftp://no' }).join()).toMatch(/^VARNISH_PURGE_URL/);
    expect(problems({ FASTLY_SERVICE_ID: 'abc123' })).toEqual(['FASTLY_API_TOKEN: required with FASTLY_SERVICE_ID']);
    expect(problems({ FASTLY_API_TOKEN: 'token' })).toEqual(['FASTLY_SERVICE_ID: required with FASTLY_API_TOKEN']);
    expect(problems({ FASTLY_SERVICE_ID: 'not an id!', FASTLY_API_TOKEN: 'token' }).join()).toMatch(/FASTLY_SERVICE_ID/);
    expect(problems({ EDGE_MAX_AGE: '-1', TRUSTED_DOCUMENTS_ONLY: 'perhaps' }).map((p) => p.split(':')[0]).sort()).toEqual(['EDGE_MAX_AGE', 'TRUSTED_DOCUMENTS_ONLY']);
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
