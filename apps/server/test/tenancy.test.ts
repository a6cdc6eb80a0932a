// TEN1, TEN3: the Partner › Organization › Site hierarchy through the REST API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type PartnerFixture, type Session, type TestApp } from './support/app.js';

let t: TestApp;
let admin: Session;
let acme: PartnerFixture;

beforeAll(async () => {
  t = await createTestApp();
  admin = (await t.createPlatformAdmin()).session;
  acme = await t.createPartnerWithUser('Acme IT');
});
afterAll(() => t.close());

const orgs = (p: string) => `/api/v1/partners/${p}/organizations`;

describe('partners', () => {
  it('platform admin creates, renames, deletes and restores a partner', async () => {
    const created = await t.call(admin, 'POST', '/api/v1/partners', { name: '  Globex Services ' });
    expect(created.statusCode).toBe(201);
    const p = created.json();
    expect(p).toMatchObject({
      name: 'Globex Services',
      slug: 'globex-services',
      status: 'active',
      version: 1,
      deleted_at: null,
      organization_count: 0,
    });

    const again = await t.call(admin, 'POST', '/api/v1/partners', { name: 'Globex Services' });
    expect(again.json().slug).toBe('globex-services-2');

    const renamed = await t.call(admin, 'PATCH', `/api/v1/partners/${p.id}`, { name: 'Globex MSP', version: 1 });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Globex MSP', version: 2 });

    const stale = await t.call(admin, 'PATCH', `/api/v1/partners/${p.id}`, { name: 'Old view', version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({ code: 'conflict', field: 'version' });

    const deleted = await t.call(admin, 'DELETE', `/api/v1/partners/${p.id}`);
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json().deleted_at).not.toBeNull();
    const listed = await t.call(admin, 'GET', '/api/v1/partners?q=globex');
    expect(listed.json().items.map((x: { id: string }) => x.id)).not.toContain(p.id);
    const withDeleted = await t.call(admin, 'GET', '/api/v1/partners?q=globex&include_deleted=true');
    expect(withDeleted.json().items.map((x: { id: string }) => x.id)).toContain(p.id);

    const restored = await t.call(admin, 'POST', `/api/v1/partners/${p.id}/restore`);
    expect(restored.json().deleted_at).toBeNull();
  });

  it('a partner user sees only their own partner and cannot create partners', async () => {
    const list = await t.call(acme.session, 'GET', '/api/v1/partners');
    expect(list.json().items.map((x: { id: string }) => x.id)).toEqual([acme.partnerId]);
    const create = await t.call(acme.session, 'POST', '/api/v1/partners', { name: 'Sneaky' });
    expect(create.statusCode).toBe(403);
    expect(create.json().error.code).toBe('forbidden');
  });

  it('a partner with organizations cannot be deleted', async () => {
    const res = await t.call(admin, 'DELETE', `/api/v1/partners/${acme.partnerId}`);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('has_children');
  });
});

describe('organizations and sites', () => {
  it('CRUD with soft delete, restore and the has-children rule', async () => {
    const created = await t.call(acme.session, 'POST', orgs(acme.partnerId), { name: 'Initech', description: 'TPS reports' });
    expect(created.statusCode).toBe(201);
    const org = created.json();
    expect(org).toMatchObject({ partner_id: acme.partnerId, name: 'Initech', site_count: 0 });

    const dup = await t.call(acme.session, 'POST', orgs(acme.partnerId), { name: 'initech' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.field).toBe('name');

    const sites = `${orgs(acme.partnerId)}/${org.id}/sites`;
    const site = (await t.call(acme.session, 'POST', sites, { name: 'Austin', timezone: 'America/Chicago' })).json();
    expect(site).toMatchObject({ organization_id: org.id, timezone: 'America/Chicago', description: '' });
    expect((await t.call(acme.session, 'GET', `${orgs(acme.partnerId)}/${org.id}`)).json().site_count).toBe(1);

    const badTz = await t.call(acme.session, 'POST', sites, { name: 'Nowhere', timezone: 'Mars/Olympus' });
    expect(badTz.statusCode).toBe(400);
    expect(badTz.json().error).toMatchObject({ code: 'validation_failed', field: 'timezone' });

    const blocked = await t.call(acme.session, 'DELETE', `${orgs(acme.partnerId)}/${org.id}`);
    expect(blocked.statusCode).toBe(422);
    expect(blocked.json().error.message).toContain('1 site');

    expect((await t.call(acme.session, 'DELETE', `${sites}/${site.id}`)).statusCode).toBe(200);
    expect((await t.call(acme.session, 'GET', sites)).json().items).toEqual([]);
    expect((await t.call(acme.session, 'DELETE', `${orgs(acme.partnerId)}/${org.id}`)).statusCode).toBe(200);

    const restoreSite = await t.call(acme.session, 'POST', `${sites}/${site.id}/restore`);
    expect(restoreSite.statusCode).toBe(422); // its organization is deleted
    expect((await t.call(acme.session, 'POST', `${orgs(acme.partnerId)}/${org.id}/restore`)).statusCode).toBe(200);
    const restored = await t.call(acme.session, 'POST', `${sites}/${site.id}/restore`);
    expect(restored.statusCode).toBe(200);
    expect(restored.json().deleted_at).toBeNull();

    const edit = await t.call(acme.session, 'PATCH', `${sites}/${site.id}`, {
      description: 'HQ',
      version: restored.json().version,
    });
    expect(edit.json()).toMatchObject({ description: 'HQ', name: 'Austin' });
  });

  it('lists paginate with a cursor, sort and search', async () => {
    const p = (await t.call(admin, 'POST', '/api/v1/partners', { name: 'Paging Partner' })).json();
    const names = ['delta', 'Alpha', 'charlie', 'Bravo', 'echo'];
    for (const name of names) await t.call(admin, 'POST', orgs(p.id), { name });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.call(admin, 'GET', `${orgs(p.id)}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      seen.push(...body.items.map((x: { name: string }) => x.name));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['Alpha', 'Bravo', 'charlie', 'delta', 'echo']);

    const listed = (await t.call(admin, 'GET', '/api/v1/partners?q=Paging')).json();
    expect(listed.items[0].organization_count).toBe(5);
    await t.call(admin, 'DELETE', `${orgs(p.id)}/${(await t.call(admin, 'GET', `${orgs(p.id)}?q=echo`)).json().items[0].id}`);
    expect((await t.call(admin, 'GET', `/api/v1/partners/${p.id}`)).json().organization_count).toBe(4);
    await t.call(
      admin,
      'POST',
      `${orgs(p.id)}/${(await t.call(admin, 'GET', `${orgs(p.id)}?q=echo&include_deleted=true`)).json().items[0].id}/restore`,
    );

    const desc = (await t.call(admin, 'GET', `${orgs(p.id)}?sort=-name&limit=2&include_total=true`)).json();
    expect(desc.items.map((x: { name: string }) => x.name)).toEqual(['echo', 'delta']);
    expect(desc.total).toBe(5);
    const newest = (await t.call(admin, 'GET', `${orgs(p.id)}?sort=-created_at&limit=1`)).json();
    expect(newest.items[0].name).toBe('echo');

    const search = (await t.call(admin, 'GET', `${orgs(p.id)}?q=HAR`)).json();
    expect(search.items.map((x: { name: string }) => x.name)).toEqual(['charlie']);
    const wildcard = (await t.call(admin, 'GET', `${orgs(p.id)}?q=%25`)).json();
    expect(wildcard.items).toEqual([]); // % is searched for literally
  });

  it('bad input answers 400 naming the field, unknown ids 404', async () => {
    const empty = await t.call(acme.session, 'POST', orgs(acme.partnerId), { name: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error).toMatchObject({ code: 'validation_failed', field: 'name' });
    const missing = await t.call(acme.session, 'POST', orgs(acme.partnerId), { description: 'x' });
    expect(missing.json().error).toMatchObject({ field: 'name', message: 'name is required' });
    const extra = await t.call(acme.session, 'POST', orgs(acme.partnerId), { name: 'X', tenant_id: acme.partnerId });
    expect(extra.json().error).toMatchObject({ code: 'validation_failed', field: 'tenant_id' });
    const filter = await t.call(acme.session, 'GET', `${orgs(acme.partnerId)}?status=online`);
    expect(filter.statusCode).toBe(400);
    const cursor = await t.call(acme.session, 'GET', `${orgs(acme.partnerId)}?cursor=garbage`);
    expect(cursor.json().error).toMatchObject({ code: 'validation_failed', field: 'cursor' });
    const badJson = await t.call(acme.session, 'POST', orgs(acme.partnerId), '{"name":', { 'content-type': 'application/json' });
    expect(badJson.statusCode).toBe(400);
    const unknown = await t.call(acme.session, 'GET', `${orgs(acme.partnerId)}/00000000-0000-4000-8000-000000000000`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('not_found');
    const notUuid = await t.call(acme.session, 'GET', `${orgs(acme.partnerId)}/not-a-uuid`);
    expect(notUuid.statusCode).toBe(400);
  });
});
