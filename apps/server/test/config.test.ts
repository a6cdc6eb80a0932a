// Configuration is read once and a bad value names its variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const c = loadConfig({}, []);
    expect([...c.roles]).toEqual(['api', 'gateway', 'worker']);
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', databaseUrl: null, demoData: true, adminEmail: 'admin@localhost' });
    expect(c.dataDir).toMatch(/\.cloudrmm$/);
    expect(c.agentBundle).toMatch(/apps\/agent\/dist\/cloudrmm-agent\.mjs$/);
    expect(loadConfig({ CLOUDRMM_AGENT_BUNDLE: '/srv/agent.mjs' }, []).agentBundle).toBe('/srv/agent.mjs');
  });

  it('takes roles, --no-demo and --no-local-agent from the command line', () => {
    const c = loadConfig({}, ['--roles', 'api,worker', '--no-demo', '--no-local-agent']);
    expect([...c.roles]).toEqual(['api', 'worker']);
    expect(c.demoData).toBe(false);
    expect(c.localAgent).toBe(false);
    // the local agent is for the embedded first look, not for a server on an external database
    expect(loadConfig({}, []).localAgent).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db/cloudrmm' }, []).localAgent).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db/cloudrmm', CLOUDRMM_LOCAL_AGENT: 'true' }, []).localAgent).toBe(true);
    expect([...loadConfig({ CLOUDRMM_ROLES: 'gateway' }, []).roles]).toEqual(['gateway']);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_APP_URL: 'postgres://a@b/c' }, 'DATABASE_APP_URL needs DATABASE_URL'],
    [{ CLOUDRMM_ROLES: 'api,scheduler' }, 'unknown role "scheduler"'],
    [{ CLOUDRMM_ADMIN_PASSWORD: 'short' }, 'CLOUDRMM_ADMIN_PASSWORD'],
    [{ CLOUDRMM_DEMO: 'maybe' }, 'CLOUDRMM_DEMO'],
    [{ CLOUDRMM_TRUSTED_PROXIES: 'everyone' }, 'CLOUDRMM_TRUSTED_PROXIES'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ CLOUDRMM_PUBLIC_URL: 'ftp://x' }, 'CLOUDRMM_PUBLIC_URL'],
  ])('refuses %o naming the variable', (env, expected) => {
    expect(() => loadConfig(env, [])).toThrow(ConfigError);
    expect(() => loadConfig(env, [])).toThrow(expected);
  });

  it('refuses unknown command-line options', () => {
    expect(() => loadConfig({}, ['--no-dmeo'])).toThrow('unknown command-line option "--no-dmeo"');
  });
});
