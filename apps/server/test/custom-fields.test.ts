// DEV9: custom fields on organizations, sites and devices, their values, and the variables scripts read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { variablesFor } from '../src/modules/custom-fields/index.js';
import { SYSTEM_ACTOR } from '../src/platform/audit/audit.js';
import { createUserWithPassword, type SystemRoleKey } from '../src/platform/auth/users.js';
import { enrollTestDevice } from './support/agents.js';
import { createTestApp, PASSWORD, type PartnerFixture, type Session, type TestApp } from './support/app.js';

let t: TestApp;
let acme: PartnerFixture;
let other: PartnerFixture;
let device: string;

beforeAll(async () => {
  t = await createTestApp();
  acme = await t.createPartnerWithUser('Acme IT');
  other = await t.createPartnerWithUser('Other MSP');
  device = (await enrollTestDevice(t, acme, 'web-01')).deviceId;
});
afterAll(() => t.close());

const F = (f: PartnerFixture = acme) => `/api/v1/partners/${f.partnerId}/custom-fields`;
const V = (f: PartnerFixture = acme) => `/api/v1/partners/${f.partnerId}/custom-field-values`;

interface Field {
  id: string;
  entity: string;
  name: string;
  type: string;
  choices: string[];
  default_value: unknown;
  version: number;
}

async function define(body: Record<string, unknown>, as: Session = acme.session): Promise<Field> {
  const res = await t.call(as, 'POST', F(), { label: String(body.name), ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function put(as: Session, entity: string, entityId: string, values: Record<string, unknown>, f = acme) {
  return t.call(as, 'PUT', V(f), { entity, entity_id: entityId, values });
}

const events = (action: string) =>
  t.database.ownerQuery<{ target_id: string; before: unknown; after: unknown }>(
    'select target_id, before, after from audit_events where tenant_id = $1 and action = $2 order by seq',
    [acme.partnerId, action],
  );

async function userWithRole(roleKey: SystemRoleKey, scope?: { organization_id: string; site_id?: string }) {
  const email = `${roleKey}-${Math.random().toString(36).slice(2, 8)}@fields.test`;
  const { id } = await createUserWithPassword(t.database.db, {
    email,
    name: roleKey,
    password: PASSWORD,
    partnerId: acme.partnerId,
    roleKey,
  });
  if (scope) {
    const [role] = await t.database.ownerQuery<{ id: string }>(`select id from roles where key = $1`, [roleKey]);
    await t.database.ownerQuery('delete from role_assignments where user_id = $1', [id]);
    const res = await t.call(acme.session, 'POST', `/api/v1/partners/${acme.partnerId}/role-assignments`, {
      user_id: id,
      role_id: role!.id,
      scope_type: scope.site_id ? 'site' : 'organization',
      ...scope,
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  return t.login(email);
}

describe('definitions', () => {
  it('creates fields of every type on every entity, lists them in order, audited', async () => {
    await define({ entity: 'device', name: 'asset_tag', type: 'text', position: 1 });
    await define({ entity: 'device', name: 'rack_unit', type: 'number', default_value: 0, position: 2 });
    await define({ entity: 'site', name: 'has_ups', type: 'boolean', default_value: false });
    await define({ entity: 'organization', name: 'contract_end', type: 'date', default_value: '2030-12-31' });
    const tier = await define({
      entity: 'organization',
      name: 'tier',
      type: 'choice',
      choices: ['gold', 'silver'],
      default_value: 'silver',
    });
    expect(tier).toMatchObject({
      entity: 'organization',
      type: 'choice',
      choices: ['gold', 'silver'],
      default_value: 'silver',
      version: 1,
    });

    const all = (await t.call(acme.session, 'GET', F())).json();
    expect(all.next_cursor).toBeNull();
    expect(all.items.map((f: Field) => `${f.entity}.${f.name}`)).toEqual([
      'organization.contract_end',
      'organization.tier',
      'site.has_ups',
      'device.asset_tag',
      'device.rack_unit',
    ]);
    const devices = (await t.call(acme.session, 'GET', `${F()}?entity=device`)).json();
    expect(devices.items.map((f: Field) => f.name)).toEqual(['asset_tag', 'rack_unit']);
    expect((await events('custom_field.create')).map((e) => e.target_id)).toContain(tier.id);
  });

  it('refuses bad definitions with a 400 that names the problem, and a taken name with 409', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ name: 'Asset-Tag' }, 'name', /lower-case letter/],
      [{ name: '9lives' }, 'name', /lower-case letter/],
      [{ type: 'choice' }, 'choices', /at least one choice/],
      [{ type: 'choice', choices: ['a', 'a'] }, 'choices', /twice/],
      [{ type: 'text', choices: ['a'] }, 'choices', /only choice fields/],
      [{ type: 'choice', choices: ['a', 'b'], default_value: 'c' }, 'default_value', /one of: a, b/],
      [{ type: 'number', default_value: '12' }, 'default_value', /give a number/],
      [{ type: 'boolean', default_value: 'yes' }, 'default_value', /true or false/],
      [{ type: 'date', default_value: '2025-02-30' }, 'default_value', /YYYY-MM-DD/],
      [{ type: 'date', default_value: '31.12.2025' }, 'default_value', /YYYY-MM-DD/],
      [{ type: 'text', default_value: 5 }, 'default_value', /give a string/],
      [{ entity: 'partner' }, 'entity', /./],
      [{ type: 'json' }, 'type', /./],
      [{ label: '' }, 'label', /./],
    ];
    for (const [over, field, message] of cases) {
      const res = await t.call(acme.session, 'POST', F(), {
        entity: 'device',
        name: 'probe',
        label: 'Probe',
        type: 'text',
        ...over,
      });
      expect(res.statusCode, JSON.stringify(over)).toBe(400);
      expect(res.json().error, JSON.stringify(over)).toMatchObject({ code: 'validation_failed', field });
      expect(res.json().error.message, JSON.stringify(over)).toMatch(message);
    }
    await define({ entity: 'device', name: 'owner_email', type: 'text' });
    const taken = await t.call(acme.session, 'POST', F(), { entity: 'device', name: 'owner_email', label: 'x', type: 'text' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error).toMatchObject({ code: 'conflict', field: 'name' });
    // the same name on another entity is how a site sets what its devices inherit
    await define({ entity: 'site', name: 'owner_email', type: 'text' });
    // the other partner has its own names
    const theirs = await t.call(other.session, 'POST', F(other), {
      entity: 'device',
      name: 'owner_email',
      label: 'x',
      type: 'text',
    });
    expect(theirs.statusCode).toBe(201);
    expect((await t.call(acme.session, 'GET', F())).json().items.map((f: Field) => f.id)).not.toContain(theirs.json().id);
  });

  it('edits with the version it read (409 when stale); entity and type stay; a choice in use stays', async () => {
    const f = await define({ entity: 'device', name: 'role', type: 'choice', choices: ['web', 'db'], default_value: 'web' });
    const v2 = await t.call(acme.session, 'PATCH', `${F()}/${f.id}`, {
      version: 1,
      choices: ['web', 'db', 'cache'],
      label: 'Role',
    });
    expect(v2.statusCode, v2.body).toBe(200);
    expect(v2.json()).toMatchObject({ version: 2, label: 'Role', choices: ['web', 'db', 'cache'] });
    const stale = await t.call(acme.session, 'PATCH', `${F()}/${f.id}`, { version: 1, label: 'Lost' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.field).toBe('version');
    const retype = await t.call(acme.session, 'PATCH', `${F()}/${f.id}`, { version: 2, type: 'text' });
    expect(retype.statusCode).toBe(400);
    expect(retype.json().error).toMatchObject({ field: 'type' });
    const badDefault = await t.call(acme.session, 'PATCH', `${F()}/${f.id}`, { version: 2, choices: ['db', 'cache'] });
    expect(badDefault.statusCode).toBe(400);
    expect(badDefault.json().error.field).toBe('default_value');

    expect((await put(acme.session, 'device', device, { role: 'db' })).statusCode).toBe(200);
    const inUse = await t.call(acme.session, 'PATCH', `${F()}/${f.id}`, { version: 2, choices: ['web', 'cache'] });
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().error.message).toContain('"db" is still set on 1 device');
    const renamed = await t.call(acme.session, 'PATCH', `${F()}/${f.id}`, { version: 2, name: 'server_role' });
    expect(renamed.json()).toMatchObject({ name: 'server_role', version: 3 });
    const clash = await t.call(acme.session, 'PATCH', `${F()}/${f.id}`, { version: 3, name: 'asset_tag' });
    expect(clash.statusCode).toBe(409);

    const [update] = (await events('custom_field.update')).filter((e) => e.target_id === f.id);
    expect(update).toMatchObject({
      before: expect.objectContaining({ label: 'role' }),
      after: expect.objectContaining({ label: 'Role' }),
    });
  });

  it('deletes a field with its values, audited; the name can be used again', async () => {
    const f = await define({ entity: 'device', name: 'temp_note', type: 'text' });
    await put(acme.session, 'device', device, { temp_note: 'hello' });
    expect((await t.call(acme.session, 'DELETE', `${F()}/${f.id}`)).statusCode).toBe(204);
    expect((await t.call(acme.session, 'DELETE', `${F()}/${f.id}`)).statusCode).toBe(404);
    expect(await t.database.ownerQuery('select 1 from custom_field_values where definition_id = $1', [f.id])).toEqual([]);
    expect((await events('custom_field.delete')).at(-1)).toMatchObject({
      target_id: f.id,
      before: expect.objectContaining({ values_deleted: 1 }),
    });
    await define({ entity: 'device', name: 'temp_note', type: 'text' });
  });

  it('only custom_fields.manage defines fields', async () => {
    const technician = await userWithRole('technician');
    expect((await t.call(technician, 'GET', F())).statusCode).toBe(200);
    const refused = await t.call(technician, 'POST', F(), { entity: 'device', name: 'x', label: 'x', type: 'text' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain('custom_fields.manage');
  });
});

describe('values', () => {
  it('sets, reads and clears values, each checked against its type, audited', async () => {
    const res = await put(acme.session, 'device', device, { asset_tag: 'A-1001', rack_unit: 12 });
    expect(res.statusCode, res.body).toBe(200);
    const byName = (list: { field: Field; value: unknown }[]) => Object.fromEntries(list.map((x) => [x.field.name, x.value]));
    expect(byName(res.json())).toMatchObject({ asset_tag: 'A-1001', rack_unit: 12 });
    const read = await t.call(acme.session, 'GET', `${V()}?entity=device&entity_id=${device}`);
    expect(read.statusCode).toBe(200);
    expect(byName(read.json())).toMatchObject({ asset_tag: 'A-1001', rack_unit: 12 });
    expect(read.json().every((x: { field: Field }) => x.field.entity === 'device')).toBe(true);

    const cleared = await put(acme.session, 'device', device, { rack_unit: null });
    expect(byName(cleared.json())).toMatchObject({ asset_tag: 'A-1001', rack_unit: null });

    for (const [values, field, message] of [
      [{ rack_unit: '12' }, 'values.rack_unit', /give a number/],
      [{ asset_tag: true }, 'values.asset_tag', /give a string/],
      [{ nope: 'x' }, 'values.nope', /no device field named "nope"/],
      [{ has_ups: true }, 'values.has_ups', /no device field/],
    ] as const) {
      const bad = await put(acme.session, 'device', device, values);
      expect(bad.statusCode, JSON.stringify(values)).toBe(400);
      expect(bad.json().error).toMatchObject({ code: 'validation_failed', field });
      expect(bad.json().error.message).toMatch(message);
    }
    expect((await put(acme.session, 'site', acme.siteId, { has_ups: 'yes' })).statusCode).toBe(400);
    expect((await put(acme.session, 'organization', acme.organizationId, { contract_end: '2026-02-29' })).statusCode).toBe(400);
    expect(
      (await put(acme.session, 'organization', acme.organizationId, { contract_end: '2028-02-29', tier: 'gold' })).statusCode,
    ).toBe(200);

    const audited = (await events('custom_field_values.update')).filter((e) => e.target_id === device);
    expect(audited.at(-1)).toMatchObject({ before: { rack_unit: 12 }, after: { rack_unit: null } });
  });

  it('an unknown entity or another partner’s is 404; nothing changes behind it', async () => {
    const ghost = '00000000-0000-4000-8000-000000000123';
    expect((await put(acme.session, 'device', ghost, { asset_tag: 'x' })).statusCode).toBe(404);
    expect((await t.call(acme.session, 'GET', `${V()}?entity=site&entity_id=${ghost}`)).statusCode).toBe(404);
    // Partner B, in its own partner, with Acme's device id: RLS hides it.
    await t.call(other.session, 'POST', F(other), { entity: 'device', name: 'asset_tag', label: 'Tag', type: 'text' });
    const foreign = await put(other.session, 'device', device, { asset_tag: 'stolen' }, other);
    expect(foreign.statusCode).toBe(404);
    expect((await t.call(other.session, 'GET', `${V(other)}?entity=device&entity_id=${device}`)).statusCode).toBe(404);
    // and through Acme's path: the guard's 404
    expect((await put(other.session, 'device', device, { asset_tag: 'stolen' })).statusCode).toBe(404);
    const [row] = await t.database.ownerQuery<{ value: string }>(
      `select v.value from custom_field_values v join custom_field_definitions d on d.id = v.definition_id
        where v.entity_id = $1 and d.name = 'asset_tag'`,
      [device],
    );
    expect(row!.value).toBe('A-1001');
  });

  it('whoever manages the entity sets its values: scoped technicians, read-only users', async () => {
    const orgB = await t.tenancy.createOrganization(acme.partnerId, { name: 'Beta Corp' }, SYSTEM_ACTOR);
    const siteB = await t.tenancy.createSite(acme.partnerId, orgB.id, { name: 'Beta HQ' }, SYSTEM_ACTOR);
    const deviceB = (await enrollTestDevice(t, { partnerId: acme.partnerId, organizationId: orgB.id, siteId: siteB.id }))
      .deviceId;

    const siteTech = await userWithRole('technician', { organization_id: acme.organizationId, site_id: acme.siteId });
    expect((await put(siteTech, 'device', device, { asset_tag: 'by-site-tech' })).statusCode).toBe(200);
    expect((await put(siteTech, 'site', acme.siteId, { has_ups: true })).statusCode).toBe(200);
    // sees its organization, but manages only its site
    expect((await t.call(siteTech, 'GET', `${V()}?entity=organization&entity_id=${acme.organizationId}`)).statusCode).toBe(200);
    const org = await put(siteTech, 'organization', acme.organizationId, { tier: 'gold' });
    expect(org.statusCode).toBe(403);
    expect(org.json().error.message).toContain('organizations.manage');
    // another organization's device and site do not exist for it
    expect((await put(siteTech, 'device', deviceB, { asset_tag: 'x' })).statusCode).toBe(404);
    expect((await put(siteTech, 'site', siteB.id, { has_ups: true })).statusCode).toBe(404);
    expect((await t.call(siteTech, 'GET', `${V()}?entity=device&entity_id=${deviceB}`)).statusCode).toBe(404);

    const orgTech = await userWithRole('technician', { organization_id: orgB.id });
    expect((await put(orgTech, 'organization', orgB.id, { tier: 'gold' })).statusCode).toBe(200);
    expect((await put(orgTech, 'device', device, { asset_tag: 'x' })).statusCode).toBe(404);

    const readonly = await userWithRole('readonly');
    expect((await t.call(readonly, 'GET', `${V()}?entity=device&entity_id=${device}`)).statusCode).toBe(200);
    const refused = await put(readonly, 'device', device, { asset_tag: 'x' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain('devices.manage');
  });
});

describe('variablesFor', () => {
  it('device value wins over site, over organization, over defaults; two queries for any number of devices', async () => {
    const p = await t.createPartnerWithUser('Vars Co');
    const as = p.session;
    const def = async (body: Record<string, unknown>) => {
      const res = await t.call(as, 'POST', F(p), { label: String(body.name), ...body });
      expect(res.statusCode, res.body).toBe(201);
    };
    // backup_path exists on all three levels
    await def({ entity: 'organization', name: 'backup_path', type: 'text', default_value: '/org-default' });
    await def({ entity: 'site', name: 'backup_path', type: 'text' });
    await def({ entity: 'device', name: 'backup_path', type: 'text' });
    await def({ entity: 'organization', name: 'tier', type: 'choice', choices: ['gold', 'silver'], default_value: 'silver' });
    await def({ entity: 'site', name: 'has_ups', type: 'boolean', default_value: false });
    await def({ entity: 'device', name: 'rack_unit', type: 'number' });
    await def({ entity: 'organization', name: 'contract_end', type: 'date' });

    const site2 = await t.tenancy.createSite(p.partnerId, p.organizationId, { name: 'Second' }, SYSTEM_ACTOR);
    const a = (await enrollTestDevice(t, p, 'a')).deviceId; // own value
    const b = (await enrollTestDevice(t, p, 'b')).deviceId; // site value
    const c = (await enrollTestDevice(t, { ...p, siteId: site2.id }, 'c')).deviceId; // organization value, then default
    const set = (entity: string, id: string, values: Record<string, unknown>) =>
      t.call(as, 'PUT', V(p), { entity, entity_id: id, values }).then((r) => expect(r.statusCode, r.body).toBe(200));
    await set('device', a, { backup_path: '/device-a', rack_unit: 7 });
    await set('site', p.siteId, { backup_path: '/site-1', has_ups: true });

    const refs = await t.database.ownerQuery<{ id: string; organization_id: string; site_id: string }>(
      'select id, organization_id, site_id from devices where id = any($1::uuid[])',
      [[a, b, c]],
    );
    const read = () => t.database.db.withTenant(p.partnerId, (tx) => variablesFor(tx, refs));
    let vars = await read();
    expect(vars.get(a)).toEqual({ backup_path: '/device-a', tier: 'silver', has_ups: 'true', rack_unit: '7' });
    expect(vars.get(b)).toEqual({ backup_path: '/site-1', tier: 'silver', has_ups: 'true' });
    expect(vars.get(c)).toEqual({ backup_path: '/org-default', tier: 'silver', has_ups: 'false' });

    await set('organization', p.organizationId, { backup_path: '/org-1', tier: 'gold', contract_end: '2027-06-30' });
    vars = await read();
    expect(vars.get(a)).toMatchObject({ backup_path: '/device-a', tier: 'gold', contract_end: '2027-06-30' });
    expect(vars.get(b)).toMatchObject({ backup_path: '/site-1' });
    expect(vars.get(c)).toMatchObject({ backup_path: '/org-1' });

    // the (tx, partnerId, devices) form, as the commands module calls it; other partners' values never leak
    const other2 = await t.database.db.withTenant(p.partnerId, (tx) => variablesFor(tx, p.partnerId, refs));
    expect(other2).toEqual(vars);
    const foreign = await t.database.db.withTenant(acme.partnerId, (tx) => variablesFor(tx, acme.partnerId, refs));
    for (const id of [a, b, c]) expect(foreign.get(id)).not.toHaveProperty('backup_path');
    expect(await t.database.db.withTenant(p.partnerId, (tx) => variablesFor(tx, []))).toEqual(new Map());

    // two queries, however many devices
    const many = Array.from({ length: 300 }, (_, i) => ({ ...refs[i % 3]!, id: refs[i % 3]!.id }));
    const queries: string[] = [];
    await t.database.db.withTenant(p.partnerId, async (tx) => {
      const spy = tx.withPlugin({
        transformQuery: (args) => {
          queries.push(args.node.kind);
          return args.node;
        },
        transformResult: async (args) => args.result,
      });
      await variablesFor(spy, many);
    });
    expect(queries).toHaveLength(2);
  });
});
