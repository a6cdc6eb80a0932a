// IAM9, security.md 39-40: every privileged action leaves a chained audit event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, PASSWORD, type PartnerFixture, type Session, type TestApp } from './support/app.js';

let t: TestApp;
let admin: Session;
let adminEmail: string;
let acme: PartnerFixture;

beforeAll(async () => {
  t = await createTestApp();
  ({ email: adminEmail, session: admin } = await t.createPlatformAdmin());
  acme = await t.createPartnerWithUser('Acme IT');
});
afterAll(() => t.close());

const events = (tenantId: string | null) =>
  t.database.ownerQuery<{ seq: number; action: string; actor_label: string; target_id: string | null; before: unknown; after: unknown; ip: string; request_id: string }>(
    `select * from audit_events where tenant_id is not distinct from $1 order by seq`,
    [tenantId],
  );

describe('writing', () => {
  it('records who changed what, with before and after, in the partner’s chain', async () => {
    const base = `/api/v1/partners/${acme.partnerId}/organizations`;
    const org = (await t.call(acme.session, 'POST', base, { name: 'Initech' })).json();
    await t.call(acme.session, 'PATCH', `${base}/${org.id}`, { name: 'Initech LLC', version: org.version });
    const log = await events(acme.partnerId);
    const update = log.find((e) => e.action === 'organization.update' && e.target_id === org.id)!;
    expect(update).toMatchObject({
      actor_label: acme.email,
      ip: '127.0.0.1',
      before: expect.objectContaining({ name: 'Initech' }),
      after: expect.objectContaining({ name: 'Initech LLC' }),
    });
    expect(update.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  });

  it('every state-changing route writes an audit event (walks the route table)', async () => {
    // One successful call per route. A new write route fails this test until it is listed here — and audited.
    const p = (await t.call(admin, 'POST', '/api/v1/partners', { name: 'Audit Walk' })).json();
    const o = (await t.call(admin, 'POST', `/api/v1/partners/${p.id}/organizations`, { name: 'Walk Org' })).json();
    const s = (await t.call(admin, 'POST', `/api/v1/partners/${p.id}/organizations/${o.id}/sites`, { name: 'Walk Site' })).json();
    const P = `/api/v1/partners/${p.id}`;
    const O = `${P}/organizations/${o.id}`;
    const S = `${O}/sites/${s.id}`;
    const examples: Record<string, () => Promise<{ status: number; tenant: string | null }>> = {
      'POST /api/v1/partners': async () => ({ status: (await t.call(admin, 'POST', '/api/v1/partners', { name: 'Walk 2' })).statusCode, tenant: null }),
      'PATCH /api/v1/partners/:partnerId': async () => ({ status: (await t.call(admin, 'PATCH', P, { name: 'Audit Walk!', version: 1 })).statusCode, tenant: p.id }),
      'DELETE /api/v1/partners/:partnerId': async () => {
        const x = (await t.call(admin, 'POST', '/api/v1/partners', { name: 'Walk Gone' })).json();
        return { status: (await t.call(admin, 'DELETE', `/api/v1/partners/${x.id}`)).statusCode, tenant: x.id };
      },
      'POST /api/v1/partners/:partnerId/restore': async () => {
        const x = (await t.call(admin, 'POST', '/api/v1/partners', { name: 'Walk Back' })).json();
        await t.call(admin, 'DELETE', `/api/v1/partners/${x.id}`);
        return { status: (await t.call(admin, 'POST', `/api/v1/partners/${x.id}/restore`)).statusCode, tenant: x.id };
      },
      'POST /api/v1/partners/:partnerId/organizations': async () => ({ status: (await t.call(admin, 'POST', `${P}/organizations`, { name: 'Walk Org 2' })).statusCode, tenant: p.id }),
      'PATCH /api/v1/partners/:partnerId/organizations/:organizationId': async () => ({ status: (await t.call(admin, 'PATCH', O, { description: 'd', version: 1 })).statusCode, tenant: p.id }),
      'POST /api/v1/partners/:partnerId/organizations/:organizationId/sites': async () => ({ status: (await t.call(admin, 'POST', `${O}/sites`, { name: 'Walk Site 2' })).statusCode, tenant: p.id }),
      'PATCH /api/v1/partners/:partnerId/organizations/:organizationId/sites/:siteId': async () => ({ status: (await t.call(admin, 'PATCH', S, { description: 'd', version: 1 })).statusCode, tenant: p.id }),
      'DELETE /api/v1/partners/:partnerId/organizations/:organizationId/sites/:siteId': async () => ({ status: (await t.call(admin, 'DELETE', S)).statusCode, tenant: p.id }),
      'POST /api/v1/partners/:partnerId/organizations/:organizationId/sites/:siteId/restore': async () => ({ status: (await t.call(admin, 'POST', `${S}/restore`)).statusCode, tenant: p.id }),
      'DELETE /api/v1/partners/:partnerId/organizations/:organizationId': async () => {
        const x = (await t.call(admin, 'POST', `${P}/organizations`, { name: 'Walk Org Gone' })).json();
        return { status: (await t.call(admin, 'DELETE', `${P}/organizations/${x.id}`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/partners/:partnerId/organizations/:organizationId/restore': async () => {
        const x = (await t.call(admin, 'POST', `${P}/organizations`, { name: 'Walk Org Back' })).json();
        await t.call(admin, 'DELETE', `${P}/organizations/${x.id}`);
        return { status: (await t.call(admin, 'POST', `${P}/organizations/${x.id}/restore`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/auth/login': async () => ({
        status: (await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: adminEmail, password: PASSWORD } })).statusCode,
        tenant: null,
      }),
      'POST /api/v1/auth/logout': async () => ({ status: (await t.call(await t.login(acme.email), 'POST', '/api/v1/auth/logout')).statusCode, tenant: acme.partnerId }),
      'POST /api/v1/partners/:partnerId/audit-events/verify': async () => ({ status: (await t.call(admin, 'POST', `${P}/audit-events/verify`)).statusCode, tenant: p.id }),
      'POST /api/v1/audit-events/verify': async () => ({ status: (await t.call(admin, 'POST', '/api/v1/audit-events/verify')).statusCode, tenant: null }),
    };
    const writes = t.app.routeTable.filter((r) => r.url.startsWith('/api/') && !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
    expect(writes.length).toBeGreaterThan(10);
    for (const route of writes) {
      const key = `${route.method} ${route.url}`;
      const example = examples[key];
      expect(example, `no audit example for ${key}: add one here, and audit the route`).toBeDefined();
      const maxBefore = await t.database.ownerQuery<{ id: number | null }>('select max(id)::int as id from audit_events');
      const { status, tenant } = await example!();
      expect(status, key).toBeLessThan(300);
      const written = await t.database.ownerQuery('select 1 from audit_events where id > $1 and tenant_id is not distinct from $2', [maxBefore[0]!.id ?? 0, tenant]);
      expect(written.length, `${key} wrote no audit event`).toBeGreaterThan(0);
    }
  });

  it('records failed sign-ins without the password', async () => {
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: acme.email, password: 'guess-123-secret' } });
    const failed = (await events(acme.partnerId)).filter((e) => e.action === 'auth.login_failed');
    expect(failed.at(-1)).toMatchObject({ actor_label: acme.email, after: { reason: 'wrong password' } });
    const all = JSON.stringify(await t.database.ownerQuery('select * from audit_events'));
    expect(all).not.toContain('guess-123-secret');
    expect(all).not.toContain(PASSWORD);
  });

  it('if the audit write fails, the action fails and nothing is written', async () => {
    const base = `/api/v1/partners/${acme.partnerId}/organizations`;
    await t.database.ownerQuery('revoke insert on audit_events from cloudrmm_runtime');
    try {
      const res = await t.call(acme.session, 'POST', base, { name: 'Unaudited Org' });
      expect(res.statusCode).toBe(500);
    } finally {
      await t.database.ownerQuery('grant insert on audit_events to cloudrmm_runtime');
    }
    expect(await t.database.ownerQuery(`select id from organizations where name = 'Unaudited Org'`)).toEqual([]);
  });
});

describe('tamper evidence', () => {
  it('the runtime role can neither edit nor delete audit events', async () => {
    const k = t.database.db;
    await expect(k.withTenant(acme.partnerId, (tx) => tx.updateTable('audit_events').set({ action: 'nothing.happened' }).execute())).rejects.toThrow(
      /permission denied/,
    );
    await expect(k.withTenant(acme.partnerId, (tx) => tx.deleteFrom('audit_events').execute())).rejects.toThrow(/permission denied/);
  });

  it('verification finds an edited and a deleted event', async () => {
    const other = await t.createPartnerWithUser('Tamper Co');
    const base = `/api/v1/partners/${other.partnerId}/organizations`;
    for (const name of ['One', 'Two', 'Three']) await t.call(other.session, 'POST', base, { name });
    const verify = () => t.call(other.session, 'POST', `/api/v1/partners/${other.partnerId}/audit-events/verify`);
    const ok = (await verify()).json();
    expect(ok).toMatchObject({ valid: true, first_invalid_seq: null });
    expect(ok.events).toBeGreaterThanOrEqual(5);

    // a database owner (or an attacker with its password) rewrites history
    const [victim] = await t.database.ownerQuery<{ seq: number }>(
      `select seq from audit_events where tenant_id = $1 and action = 'organization.create' order by seq limit 1 offset 1`,
      [other.partnerId],
    );
    await t.database.ownerQuery(`update audit_events set actor_label = 'someone-else@x.test' where tenant_id = $1 and seq = $2`, [other.partnerId, victim!.seq]);
    const edited = (await verify()).json();
    expect(edited).toMatchObject({ valid: false, first_invalid_seq: victim!.seq });

    const second = await t.createPartnerWithUser('Delete Co');
    for (const name of ['A', 'B']) await t.call(second.session, 'POST', `/api/v1/partners/${second.partnerId}/organizations`, { name });
    const [gone] = await t.database.ownerQuery<{ seq: number }>(
      `delete from audit_events where tenant_id = $1 and seq = 2 returning seq`,
      [second.partnerId],
    );
    expect(gone!.seq).toBe(2);
    const deleted = (await t.call(second.session, 'POST', `/api/v1/partners/${second.partnerId}/audit-events/verify`)).json();
    expect(deleted).toMatchObject({ valid: false, first_invalid_seq: 3 });
  });
});

describe('reading', () => {
  it('lists with filters and pages, and every read is itself audited', async () => {
    const url = `/api/v1/partners/${acme.partnerId}/audit-events`;
    const page1 = (await t.call(acme.session, 'GET', `${url}?limit=2`)).json();
    expect(page1.items).toHaveLength(2);
    expect(page1.items[0].seq).toBeGreaterThan(page1.items[1].seq);
    expect(page1.items[0].hash).toMatch(/^[0-9a-f]{64}$/);
    const page2 = (await t.call(acme.session, 'GET', `${url}?limit=2&cursor=${page1.next_cursor}`)).json();
    expect(page2.items[0].seq).toBeLessThan(page1.items[1].seq);

    const sites = (await t.call(acme.session, 'GET', `${url}?action=site.`)).json();
    expect(sites.items.length).toBeGreaterThan(0);
    expect(sites.items.every((e: { action: string }) => e.action.startsWith('site.'))).toBe(true);
    const byActor = (await t.call(acme.session, 'GET', `${url}?actor=${encodeURIComponent(acme.email)}&action=organization.update`)).json();
    expect(byActor.items.every((e: { actor_label: string }) => e.actor_label === acme.email)).toBe(true);

    const reads = (await events(acme.partnerId)).filter((e) => e.action === 'audit.read');
    expect(reads.length).toBeGreaterThanOrEqual(4);
    expect(reads.at(-1)!.after).toMatchObject({ actor: acme.email, action: 'organization.update' });
  });

  it('exports CSV with formula cells neutralised', async () => {
    await t.database.db.withTenant(acme.partnerId, (tx) =>
      tx.insertInto('audit_events').values({
        tenant_id: acme.partnerId, seq: 0, prev_hash: Buffer.alloc(0), hash: Buffer.alloc(0),
        actor_type: 'system', actor_label: '=HYPERLINK("http://evil.example","click")', action: 'test.formula',
      }).execute(),
    );
    const res = await t.call(acme.session, 'GET', `/api/v1/partners/${acme.partnerId}/audit-events/export?action=test.formula`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.body).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(res.body).not.toMatch(/(^|,)"=/m);
    expect((await events(acme.partnerId)).at(-1)!.action).toBe('audit.export');
  });

  it('the platform chain is for platform staff only', async () => {
    const platform = await t.call(admin, 'GET', '/api/v1/audit-events?action=partner.create');
    expect(platform.statusCode).toBe(200);
    expect(platform.json().items.length).toBeGreaterThan(0);
    const denied = await t.call(acme.session, 'GET', '/api/v1/audit-events');
    expect(denied.statusCode).toBe(403);
    const foreign = await t.call(acme.session, 'GET', `/api/v1/partners/00000000-0000-4000-8000-000000000001/audit-events`);
    expect(foreign.statusCode).toBe(404);
  });
});
