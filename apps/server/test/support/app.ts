import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { buildApp, type AppDeps } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { SYSTEM_ACTOR } from '../../src/platform/audit/audit.js';
import { createUserWithPassword } from '../../src/platform/auth/users.js';
import type { ModuleContext } from '../../src/platform/modules/define.js';
import { TenancyService } from '../../src/modules/tenancy/index.js';
import { SecretBox } from '../../src/platform/secrets.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export const PASSWORD = 'correct horse battery staple';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ CLOUDRMM_WEB_DIR: '', LOG_LEVEL: 'silent' }, []), ...overrides };
}

/** A signed-in browser: its cookie and CSRF token. */
export interface Session {
  cookie: string;
  csrf: string;
  userId: string;
}

export interface TestApp {
  app: FastifyInstance & { ctx: ModuleContext };
  database: TestDatabase;
  tenancy: TenancyService;
  /** app.inject with the session's cookie and CSRF header filled in. */
  call: (
    as: Session | null,
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<LightMyRequestResponse>;
  login: (email: string, password?: string) => Promise<Session>;
  createPlatformAdmin: () => Promise<{ email: string; session: Session }>;
  /** A partner with one organization and one site, and a signed-in user of it. */
  createPartnerWithUser: (name?: string) => Promise<PartnerFixture>;
  close: () => Promise<void>;
}

export interface PartnerFixture {
  partnerId: string;
  organizationId: string;
  siteId: string;
  email: string;
  session: Session;
}

export async function createTestApp(deps: Partial<Omit<AppDeps, 'db'>> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const app = await buildApp({
    config: deps.config ?? testConfig(),
    db: database.db,
    log: pino({ level: 'silent' }),
    secrets: new SecretBox(randomBytes(32)),
    ...deps,
  });
  await app.ready();
  const tenancy = new TenancyService(database.db);

  const call: TestApp['call'] = (as, method, url, body, headers = {}) =>
    app.inject({
      method,
      url,
      headers: { ...(as ? { cookie: as.cookie, 'x-csrf-token': as.csrf } : {}), ...headers },
      ...(body === undefined ? {} : { payload: body as InjectOptions['payload'] }),
    });

  const login = async (email: string, password = PASSWORD): Promise<Session> => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    if (res.statusCode !== 200) throw new Error(`login of ${email} failed: ${res.statusCode} ${res.body}`);
    const cookie = res.cookies.find((c) => c.name === 'crmm_session')!;
    const json = res.json<{ csrf_token: string; user: { id: string } }>();
    return { cookie: `crmm_session=${cookie.value}`, csrf: json.csrf_token, userId: json.user.id };
  };

  const unique = () => randomBytes(4).toString('hex');

  return {
    app,
    database,
    tenancy,
    call,
    login,
    createPlatformAdmin: async () => {
      const email = `admin-${unique()}@platform.test`;
      await createUserWithPassword(database.db, { email, name: 'Admin', password: PASSWORD, partnerId: null, roleKey: 'owner' });
      return { email, session: await login(email) };
    },
    createPartnerWithUser: async (name = `Partner ${unique()}`) => {
      const partner = await tenancy.createPartner({ name }, SYSTEM_ACTOR);
      const org = await tenancy.createOrganization(partner.id, { name: `Org of ${name}` }, SYSTEM_ACTOR);
      const site = await tenancy.createSite(partner.id, org.id, { name: `Site of ${name}` }, SYSTEM_ACTOR);
      const email = `tech-${unique()}@partner.test`;
      await createUserWithPassword(database.db, {
        email,
        name: 'Tech',
        password: PASSWORD,
        partnerId: partner.id,
        roleKey: 'owner',
      });
      return { partnerId: partner.id, organizationId: org.id, siteId: site.id, email, session: await login(email) };
    },
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
