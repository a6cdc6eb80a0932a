// DEV4: device tags, moves between sites, saved device filters, and what commands and schedules target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDeviceTargets, type DeviceTarget } from '../src/modules/devices/index.js';
import { SYSTEM_ACTOR } from '../src/platform/audit/audit.js';
import type { Visibility } from '../src/platform/auth/principal.js';
import { createUserWithPassword, type SystemRoleKey } from '../src/platform/auth/users.js';
import type { DeviceEvent } from '../src/platform/bus/bus.js';
import { enrollTestDevice, TestAgent, wsBase } from './support/agents.js';
import { createTestApp, PASSWORD, type PartnerFixture, type Session, type TestApp } from './support/app.js';

let t: TestApp;
let acme: PartnerFixture;
let other: PartnerFixture;
let base: string;

beforeAll(async () => {
  t = await createTestApp();
  acme = await t.createPartnerWithUser('Acme IT');
  other = await t.createPartnerWithUser('Other MSP');
  base = wsBase(await t.app.listen({ host: '127.0.0.1', port: 0 }));
});
afterAll(() => t.close());

const P = () => `/api/v1/partners/${acme.partnerId}`;
const rnd = () => Math.random().toString(36).slice(2, 8);

async function newSite(partnerId: string, orgName = `Org ${rnd()}`) {
  const org = await t.tenancy.createOrganization(partnerId, { name: orgName }, SYSTEM_ACTOR);
  const site = await t.tenancy.createSite(partnerId, org.id, { name: `Site ${rnd()}` }, SYSTEM_ACTOR);
  return { partnerId, organizationId: org.id, siteId: site.id };
}

/** A user of Acme holding a system role at one scope (partner-wide when none given). */
async function userWith(roleKey: SystemRoleKey, scope: { organization_id?: string; site_id?: string } = {}): Promise<Session> {
  const email = `u-${rnd()}@acme.test`;
  const { id } = await createUserWithPassword(t.database.db, {
    email,
    name: 'U',
    password: PASSWORD,
    partnerId: acme.partnerId,
    roleKey,
  });
  if (scope.organization_id) {
    const [role] = await t.database.ownerQuery<{ id: string }>('select id from roles where key = $1', [roleKey]);
    await t.database.ownerQuery('delete from role_assignments where user_id = $1', [id]);
    const res = await t.call(acme.session, 'POST', `${P()}/role-assignments`, {
      user_id: id,
      role_id: role!.id,
      scope_type: scope.site_id ? 'site' : 'organization',
      ...scope,
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  return t.login(email);
}

const auditOf = (action: string) =>
  t.database.ownerQuery<{ actor_label: string; target_id: string | null; before: unknown; after: Record<string, unknown> }>(
    'select * from audit_events where tenant_id = $1 and action = $2 order by seq',
    [acme.partnerId, action],
  );

const tagsOf = async (deviceId: string) => (await t.call(acme.session, 'GET', `${P()}/devices/${deviceId}`)).json().tags;

describe('tags (DEV4)', () => {
  let ids: string[];

  beforeAll(async () => {
    ids = [];
    for (const name of ['tag-a', 'tag-b', 'tag-c']) ids.push((await enrollTestDevice(t, acme, name)).deviceId);
  });

  it('adds and removes tags on many devices at once, lower-cased and sorted, in one audited change', async () => {
    const before = (await auditOf('device.bulk_tags')).length;
    const res = await t.call(acme.session, 'POST', `${P()}/devices/bulk/tags`, {
      device_ids: [ids[0], ids[1]],
      add: ['Web', 'prod', 'web', 'Rack 4.b_x-1'],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ updated: 2, device_ids: expect.arrayContaining([ids[0], ids[1]]) });
    expect(await tagsOf(ids[0]!)).toEqual(['prod', 'rack 4.b_x-1', 'web']);
    expect(await tagsOf(ids[2]!)).toEqual([]);

    const removed = await t.call(acme.session, 'POST', `${P()}/devices/bulk/tags`, {
      device_ids: ids,
      add: ['linux'],
      remove: ['PROD'],
    });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json().updated).toBe(3);
    expect(await tagsOf(ids[0]!)).toEqual(['linux', 'rack 4.b_x-1', 'web']);
    expect(await tagsOf(ids[2]!)).toEqual(['linux']);

    // Nothing to change: nothing changed, still audited as asked.
    const same = await t.call(acme.session, 'POST', `${P()}/devices/bulk/tags`, { device_ids: ids, add: ['linux'] });
    expect(same.json()).toEqual({ updated: 0, device_ids: [] });

    const events = (await auditOf('device.bulk_tags')).slice(before);
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({
      actor_label: acme.email,
      after: { device_ids: [ids[0], ids[1]], add: ['web', 'prod', 'rack 4.b_x-1'], remove: [], changed: 2 },
    });
  });

  it('filters the list, the summary and the export by tag', async () => {
    const names = async (qs: string) =>
      ((await t.call(acme.session, 'GET', `${P()}/devices?${qs}`)).json().items as { hostname: string }[])
        .map((d) => d.hostname)
        .sort();
    expect(await names('tag=web')).toEqual(['tag-a', 'tag-b']);
    expect(await names('tag=WEB')).toEqual(['tag-a', 'tag-b']);
    expect(await names('tag=linux&q=tag-c')).toEqual(['tag-c']);
    expect(await names('tag=we')).toEqual([]);
    expect(await names(`tag=${encodeURIComponent('rack 4.b_x-1')}`)).toEqual(['tag-a', 'tag-b']);
    expect((await t.call(acme.session, 'GET', `${P()}/devices/summary?tag=web`)).json().total).toBe(2);
    const csv = (await t.call(acme.session, 'GET', `${P()}/devices/export?tag=web`)).body;
    expect(csv).toContain('tag-a');
    expect(csv).not.toContain('tag-c');
    expect((await t.call(acme.session, 'GET', `${P()}/devices?tag=${encodeURIComponent('a/b')}`)).statusCode).toBe(400);
  });

  it('refuses bad tags, empty changes, too many tags, and devices it cannot find — changing nothing', async () => {
    const bulk = (body: unknown) => t.call(acme.session, 'POST', `${P()}/devices/bulk/tags`, body);
    for (const tag of ['', ' lead', 'trail ', 'a/b', 'x'.repeat(51), 'naïve']) {
      const res = await bulk({ device_ids: [ids[0]], add: [tag] });
      expect(res.statusCode, JSON.stringify(tag)).toBe(400);
    }
    expect((await bulk({ device_ids: [ids[0]] })).statusCode).toBe(400);
    expect((await bulk({ device_ids: [ids[0]], add: [], remove: [] })).statusCode).toBe(400);
    expect((await bulk({ device_ids: [], add: ['x'] })).statusCode).toBe(400);
    expect((await bulk({ device_ids: [ids[0], ids[0]], add: ['x'] })).statusCode).toBe(400);
    const both = await bulk({ device_ids: [ids[0]], add: ['x'], remove: ['X'] });
    expect(both.statusCode).toBe(400);
    expect(both.json().error.field).toBe('remove');

    const fifty = Array.from({ length: 49 }, (_, i) => `t${i}`);
    expect((await bulk({ device_ids: [ids[2]], add: fifty })).statusCode).toBe(200);
    expect(await tagsOf(ids[2]!)).toHaveLength(50);
    const over = await bulk({ device_ids: [ids[1], ids[2]], add: ['one-more'] });
    expect(over.statusCode).toBe(400);
    expect(over.json().error.message).toContain('at most 50');
    expect(await tagsOf(ids[1]!)).not.toContain('one-more');
    expect((await bulk({ device_ids: [ids[2]], remove: fifty })).statusCode).toBe(200);

    const foreign = await enrollTestDevice(t, other, 'foreign');
    const missing = await bulk({ device_ids: [ids[0], foreign.deviceId], add: ['stolen'] });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).not.toContain(other.partnerId);
    expect(await tagsOf(ids[0]!)).not.toContain('stolen');
    const [row] = await t.database.ownerQuery<{ tags: string[] }>('select tags from devices where id = $1', [foreign.deviceId]);
    expect(row!.tags).toEqual([]);
  });

  it('a site’s technician tags the devices of that site only; read-only users not at all', async () => {
    const elsewhere = await newSite(acme.partnerId);
    const far = await enrollTestDevice(t, elsewhere, 'far-away');
    const tech = await userWith('technician', { organization_id: acme.organizationId, site_id: acme.siteId });
    const mine = await t.call(tech, 'POST', `${P()}/devices/bulk/tags`, { device_ids: [ids[0]], add: ['by-tech'] });
    expect(mine.statusCode, mine.body).toBe(200);
    const theirs = await t.call(tech, 'POST', `${P()}/devices/bulk/tags`, { device_ids: [ids[0], far.deviceId], add: ['x'] });
    expect(theirs.statusCode).toBe(404);
    const readonly = await userWith('readonly');
    expect((await t.call(readonly, 'POST', `${P()}/devices/bulk/tags`, { device_ids: [ids[0]], add: ['x'] })).statusCode).toBe(
      403,
    );
  });
});

describe('moving devices to another site (DEV4)', () => {
  it('moves devices in one change, audits it, and the connected agent reconnects into the new site', async () => {
    const target = await newSite(acme.partnerId, 'Move Target');
    const a = await enrollTestDevice(t, acme, 'move-a');
    const b = await enrollTestDevice(t, acme, 'move-b');
    const agent = await TestAgent.open(base, a.credential);
    await agent.next('welcome');
    await expect.poll(async () => (await t.call(acme.session, 'GET', `${P()}/devices/${a.deviceId}`)).json().online).toBe(true);

    const online: DeviceEvent[] = [];
    const updated: DeviceEvent[] = [];
    const off = [
      t.app.ctx.bus.subscribe(['device.online'], (_topic, e) => void online.push(e)),
      t.app.ctx.bus.subscribe(['device.updated'], (_topic, e) => void updated.push(e)),
    ];
    try {
      const res = await t.call(acme.session, 'POST', `${P()}/devices/bulk/move`, {
        device_ids: [a.deviceId, b.deviceId],
        site_id: target.siteId,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().updated).toBe(2);
      // Any code but 4003 (revoked) makes the agent reconnect.
      const closed = await agent.closed;
      expect(closed.code).toBe(1012);
      expect(closed.code).not.toBe(4003);

      const moved = (await t.call(acme.session, 'GET', `${P()}/devices/${a.deviceId}`)).json();
      expect(moved).toMatchObject({
        organization_id: target.organizationId,
        site_id: target.siteId,
        site_name: expect.any(String),
      });
      expect(updated).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ deviceId: a.deviceId, siteId: acme.siteId }),
          expect.objectContaining({ deviceId: a.deviceId, siteId: target.siteId, organizationId: target.organizationId }),
        ]),
      );

      // The agent comes back; its new gateway session is in the new site.
      const again = await TestAgent.open(base, a.credential);
      await again.next('welcome');
      await expect
        .poll(() => online.find((e) => e.deviceId === a.deviceId))
        .toMatchObject({ siteId: target.siteId, organizationId: target.organizationId });
      again.close();
    } finally {
      for (const f of off) f();
    }

    const [event] = (await auditOf('device.bulk_move')).slice(-1);
    expect(event).toMatchObject({
      actor_label: acme.email,
      target_id: target.siteId,
      before: expect.arrayContaining([expect.objectContaining({ id: a.deviceId, site_id: acme.siteId })]),
      after: { site_id: target.siteId, organization_id: target.organizationId, moved: 2 },
    });

    // Already there: nothing moves, no socket is closed.
    const again = await t.call(acme.session, 'POST', `${P()}/devices/bulk/move`, {
      device_ids: [a.deviceId],
      site_id: target.siteId,
    });
    expect(again.json()).toEqual({ updated: 0, device_ids: [] });
  });

  it('needs devices.manage on every device and on the target site, inside the partner', async () => {
    const here = await enrollTestDevice(t, acme, 'stay-here');
    const target = await newSite(acme.partnerId);
    const foreign = await newSite(other.partnerId);
    const move = (as: Session, body: unknown) => t.call(as, 'POST', `${P()}/devices/bulk/move`, body);

    const toForeign = await move(acme.session, { device_ids: [here.deviceId], site_id: foreign.siteId });
    expect(toForeign.statusCode).toBe(404);
    expect(toForeign.json().error.field).toBe('site_id');
    const foreignDevice = await enrollTestDevice(t, other, 'not-yours');
    expect((await move(acme.session, { device_ids: [foreignDevice.deviceId], site_id: target.siteId })).statusCode).toBe(404);

    // A technician of the device's site cannot put it where they have no say.
    const siteTech = await userWith('technician', { organization_id: acme.organizationId, site_id: acme.siteId });
    expect((await move(siteTech, { device_ids: [here.deviceId], site_id: target.siteId })).statusCode).toBe(404);
    // A technician of the target organization cannot pull in devices from elsewhere.
    const targetTech = await userWith('technician', { organization_id: target.organizationId });
    expect((await move(targetTech, { device_ids: [here.deviceId], site_id: target.siteId })).statusCode).toBe(404);
    // A read-only user of the whole partner sees the target site but may not move into it.
    const readonly = await userWith('readonly');
    expect((await move(readonly, { device_ids: [here.deviceId], site_id: target.siteId })).statusCode).toBe(403);

    const [row] = await t.database.ownerQuery<{ site_id: string }>('select site_id from devices where id = $1', [here.deviceId]);
    expect(row!.site_id).toBe(acme.siteId);
  });
});

describe('saved device filters', () => {
  it('creates, lists, renames, replaces and deletes filters, each audited; names are unique per partner', async () => {
    const url = `${P()}/device-filters`;
    const created = await t.call(acme.session, 'POST', url, { name: 'Linux web', query: { platform: 'linux', tag: 'web' } });
    expect(created.statusCode, created.body).toBe(201);
    const f = created.json();
    expect(f).toMatchObject({
      name: 'Linux web',
      query: { platform: 'linux', tag: 'web' },
      version: 1,
      created_by: acme.session.userId,
    });

    expect((await t.call(acme.session, 'POST', url, { name: 'linux WEB', query: {} })).statusCode).toBe(409);
    // The same name in another partner is fine.
    expect(
      (
        await t.call(other.session, 'POST', `/api/v1/partners/${other.partnerId}/device-filters`, {
          name: 'Linux web',
          query: {},
        })
      ).statusCode,
    ).toBe(201);
    for (const query of [{ colour: 'red' }, { status: 'sleeping' }, { site_id: 'nope' }, { sort: 'hostname' }, { limit: 5 }]) {
      expect((await t.call(acme.session, 'POST', url, { name: `Bad ${rnd()}`, query })).statusCode, JSON.stringify(query)).toBe(
        400,
      );
    }
    expect((await t.call(acme.session, 'POST', url, { name: '   ', query: {} })).statusCode).toBe(400);

    const list = (await t.call(acme.session, 'GET', url)).json();
    expect(list.items.map((x: { name: string }) => x.name)).toEqual(['Linux web']);
    expect(JSON.stringify(list)).not.toContain(other.partnerId);

    const patched = await t.call(acme.session, 'PATCH', `${url}/${f.id}`, {
      version: 1,
      name: 'Online Linux',
      query: { platform: 'linux', status: 'online' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'Online Linux', query: { platform: 'linux', status: 'online' }, version: 2 });
    expect((await t.call(acme.session, 'PATCH', `${url}/${f.id}`, { version: 1, name: 'Stale' })).statusCode).toBe(409);
    const second = (await t.call(acme.session, 'POST', url, { name: 'Second', query: {} })).json();
    expect((await t.call(acme.session, 'PATCH', `${url}/${second.id}`, { version: 1, name: 'online linux' })).statusCode).toBe(
      409,
    );

    expect((await t.call(acme.session, 'GET', `${url}/${f.id}`)).json().name).toBe('Online Linux');
    expect((await t.call(acme.session, 'DELETE', `${url}/${f.id}`)).statusCode).toBe(204);
    expect((await t.call(acme.session, 'GET', `${url}/${f.id}`)).statusCode).toBe(404);
    expect((await t.call(acme.session, 'DELETE', `${url}/${f.id}`)).statusCode).toBe(404);
    // The name is free again once deleted.
    expect((await t.call(acme.session, 'POST', url, { name: 'Online Linux', query: {} })).statusCode).toBe(201);

    for (const action of ['device_filter.create', 'device_filter.update', 'device_filter.delete']) {
      expect((await auditOf(action)).length, action).toBeGreaterThan(0);
    }
    const readonly = await userWith('readonly');
    expect((await t.call(readonly, 'GET', url)).statusCode).toBe(200);
    expect((await t.call(readonly, 'POST', url, { name: 'RO', query: {} })).statusCode).toBe(403);
  });
});

describe('resolveDeviceTargets (what commands and schedules aim at)', () => {
  let east: { partnerId: string; organizationId: string; siteId: string };
  let west: { partnerId: string; organizationId: string; siteId: string };
  let e1: string;
  let e2: string;
  let w1: string;
  let revoked: string;
  let deleted: string;
  let filterId: string;
  let foreign: string;

  const resolve = (target: DeviceTarget, visibility: Visibility | null = null, partnerId = acme.partnerId) =>
    t.database.db.withTenant(partnerId, (tx) => resolveDeviceTargets(tx, visibility, target));
  const hostnames = async (target: DeviceTarget, visibility: Visibility | null = null) =>
    (await resolve(target, visibility)).map((d) => d.hostname);

  beforeAll(async () => {
    east = await newSite(acme.partnerId, 'East Corp');
    west = await newSite(acme.partnerId, 'West Corp');
    e1 = (await enrollTestDevice(t, east, 'east-1')).deviceId;
    e2 = (await enrollTestDevice(t, east, 'east-2')).deviceId;
    w1 = (await enrollTestDevice(t, west, 'west-1')).deviceId;
    revoked = (await enrollTestDevice(t, east, 'east-revoked')).deviceId;
    deleted = (await enrollTestDevice(t, west, 'west-deleted')).deviceId;
    expect((await t.call(acme.session, 'POST', `${P()}/devices/${revoked}/revoke`)).statusCode).toBe(200);
    expect((await t.call(acme.session, 'DELETE', `${P()}/devices/${deleted}`)).statusCode).toBe(204);
    await t.call(acme.session, 'POST', `${P()}/devices/bulk/tags`, { device_ids: [e2, w1], add: ['db'] });
    filterId = (
      await t.call(acme.session, 'POST', `${P()}/device-filters`, { name: `db hosts ${rnd()}`, query: { tag: 'DB' } })
    ).json().id;
    foreign = (await enrollTestDevice(t, other, 'foreign-1')).deviceId;
  });

  it('resolves each target type to live devices with their organization and site, in one query', async () => {
    const rows = await resolve({ type: 'devices', ids: [e1, w1, revoked, deleted, foreign] });
    expect(rows).toEqual([
      {
        id: e1,
        hostname: 'east-1',
        organization_id: east.organizationId,
        site_id: east.siteId,
        organization_name: 'East Corp',
        site_name: expect.any(String),
        platform: 'linux',
        online: false,
      },
      expect.objectContaining({ id: w1, organization_name: 'West Corp' }),
    ]);
    expect(await hostnames({ type: 'sites', ids: [east.siteId] })).toEqual(['east-1', 'east-2']);
    expect(await hostnames({ type: 'organizations', ids: [west.organizationId] })).toEqual(['west-1']);
    expect(await hostnames({ type: 'filter', ids: [filterId] })).toEqual(['east-2', 'west-1']);
    const all = await hostnames({ type: 'partner', ids: [] });
    expect(all).toEqual(expect.arrayContaining(['east-1', 'east-2', 'west-1']));
    expect(all).not.toContain('east-revoked');
    expect(all).not.toContain('west-deleted');
    expect(all).not.toContain('foreign-1');
    expect(await hostnames({ type: 'devices', ids: [] })).toEqual([]);
    expect(await hostnames({ type: 'sites', ids: [other.siteId] })).toEqual([]);
    await expect(resolve({ type: 'filter', ids: ['00000000-0000-4000-8000-000000000000'] })).rejects.toMatchObject({
      code: 'not_found',
    });
    // Another partner's filter is no filter here.
    const theirs = (
      await t.call(other.session, 'POST', `/api/v1/partners/${other.partnerId}/device-filters`, { name: `x ${rnd()}`, query: {} })
    ).json().id;
    await expect(resolve({ type: 'filter', ids: [theirs] })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('honours a scoped technician’s visibility', async () => {
    const eastOnly: Visibility = {
      organizationIds: new Set([east.organizationId]),
      wholeOrganizationIds: new Set([east.organizationId]),
      siteIds: new Set(),
    };
    expect(await hostnames({ type: 'partner', ids: [] }, eastOnly)).toEqual(['east-1', 'east-2']);
    expect(await hostnames({ type: 'devices', ids: [e1, w1] }, eastOnly)).toEqual(['east-1']);
    expect(await hostnames({ type: 'organizations', ids: [west.organizationId] }, eastOnly)).toEqual([]);
    expect(await hostnames({ type: 'filter', ids: [filterId] }, eastOnly)).toEqual(['east-2']);
    const westSite: Visibility = {
      organizationIds: new Set([west.organizationId]),
      wholeOrganizationIds: new Set(),
      siteIds: new Set([west.siteId]),
    };
    expect(await hostnames({ type: 'partner', ids: [] }, westSite)).toEqual(['west-1']);
    const nothing: Visibility = { organizationIds: new Set(), wholeOrganizationIds: new Set(), siteIds: new Set() };
    expect(await hostnames({ type: 'partner', ids: [] }, nothing)).toEqual([]);
  });
});
