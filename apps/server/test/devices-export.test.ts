// DEV1; security.md 1, 17: the device list as CSV — agent-supplied text never
// becomes a spreadsheet formula, the list's filters and scope apply, and another
// partner's devices never appear.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/platform/audit/audit.js';
import { createUserWithPassword } from '../src/platform/auth/users.js';
import { enrollTestDevice, sampleInventory, sampleStatus, TestAgent, wsBase } from './support/agents.js';
import { createTestApp, PASSWORD, type PartnerFixture, type Session, type TestApp } from './support/app.js';

let t: TestApp;
let acme: PartnerFixture;
let other: PartnerFixture;
let base: string;
let orgB: string;
let siteB: string;
const agents: TestAgent[] = [];

const HEADER =
  '"hostname","status","organization","site","platform","os_name","os_version","arch","ip_addresses","mac_addresses","logged_in_users","agent_version","last_seen_at","enrolled_at"';

/** An enrolled agent that sent its inventory and status through the socket, as a real one does. */
async function reportingDevice(
  f: Pick<PartnerFixture, 'partnerId' | 'organizationId' | 'siteId'>,
  inv: NonNullable<Parameters<typeof sampleInventory>[0]>,
  status: Parameters<typeof sampleStatus>[0] = {},
) {
  const d = await enrollTestDevice(t, f, inv.hostname);
  const agent = await TestAgent.open(base, d.credential);
  agents.push(agent);
  await agent.next('welcome');
  const { hash, inventory } = sampleInventory(inv);
  agent.send('inventory', { hash, inventory });
  await agent.next('inventory.ack');
  agent.send('status', { status: sampleStatus(status) });
  await until(
    async () =>
      (await t.database.ownerQuery('select 1 from devices where id = $1 and status is not null', [d.deviceId])).length === 1,
  );
  return { ...d, agent };
}

/** Polls outside a test (beforeAll), where expect.poll is not available. */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

const os = (name: string, platform = 'linux') => ({
  platform,
  name,
  distro: platform === 'win32' ? 'windows' : 'debian',
  version: '1.0',
  kernel: '1.0',
  arch: 'x64',
});

beforeAll(async () => {
  t = await createTestApp();
  acme = await t.createPartnerWithUser('Acme IT');
  other = await t.createPartnerWithUser('Other MSP');
  base = wsBase(await t.app.listen({ host: '127.0.0.1', port: 0 }));
  orgB = (await t.tenancy.createOrganization(acme.partnerId, { name: 'Beta Corp' }, SYSTEM_ACTOR)).id;
  siteB = (await t.tenancy.createSite(acme.partnerId, orgB, { name: 'Beta HQ' }, SYSTEM_ACTOR)).id;

  await reportingDevice(
    acme,
    { hostname: '=HYPERLINK("http://x")', os: os("+cmd|' /C calc'!A0") },
    { logged_in_users: [{ user: '@SUM(1+1)' }] },
  );
  await reportingDevice(acme, { hostname: 'minus-01', os: os('-2+3', 'win32') });
  const at = await reportingDevice(
    { partnerId: acme.partnerId, organizationId: orgB, siteId: siteB },
    { hostname: 'at-01', os: os('@SUM(A1)') },
  );
  at.agent.close();
  await at.agent.closed;
  await until(
    async () =>
      !(await t.database.ownerQuery<{ online: boolean }>('select online from devices where id = $1', [at.deviceId]))[0]!.online,
  );
  await reportingDevice(other, { hostname: 'other-partner-host', os: os('Other OS') });
});
afterAll(async () => {
  for (const a of agents) a.close();
  await t?.close();
});

const P = () => `/api/v1/partners/${acme.partnerId}`;
const rows = (csv: string) => csv.trim().split('\r\n').slice(1);
const hostnames = (csv: string) => rows(csv).map((r) => r.slice(0, r.indexOf('","') + 1));

async function exportAs(session: Session, query = '') {
  const res = await t.call(session, 'GET', `${P()}/devices/export${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.body;
}

async function technicianOf(scope: { organization_id: string; site_id?: string }): Promise<Session> {
  const email = `tech-${Math.random().toString(36).slice(2, 8)}@acme.test`;
  const { id } = await createUserWithPassword(t.database.db, {
    email,
    name: 'T',
    password: PASSWORD,
    partnerId: acme.partnerId,
    roleKey: 'readonly',
  });
  const [tech] = await t.database.ownerQuery<{ id: string }>(`select id from roles where key = 'technician'`);
  await t.database.ownerQuery('delete from role_assignments where user_id = $1', [id]);
  const res = await t.call(acme.session, 'POST', `${P()}/role-assignments`, {
    user_id: id,
    role_id: tech!.id,
    scope_type: scope.site_id ? 'site' : 'organization',
    ...scope,
  });
  expect(res.statusCode, res.body).toBe(201);
  return t.login(email);
}

describe('device CSV export (security.md 17)', () => {
  it('downloads the list with formula cells neutralised, and audits the export', async () => {
    const res = await t.call(acme.session, 'GET', `${P()}/devices/export`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="devices-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = res.body.trim().split('\r\n');
    expect(lines[0]).toBe(HEADER);
    expect(lines).toHaveLength(4);
    const evil = lines.find((l) => l.includes('HYPERLINK'))!;
    expect(evil).toMatch(
      /^"'=HYPERLINK\(""http:\/\/x""\)","online","Org of Acme IT","Site of Acme IT","linux","'\+cmd\|' \/C calc'!A0","1.0","x64","10.20.30.40; fe80::5054:ff:feab:cdef","52:54:00:ab:cd:ef","'@SUM\(1\+1\)","0.1.0","[^"]+","[^"]+"$/,
    );
    expect(lines.find((l) => l.startsWith('"minus-01"'))).toContain(`"win32","'-2+3"`);
    expect(lines.find((l) => l.startsWith('"at-01"'))).toMatch(/^"at-01","offline","Beta Corp","Beta HQ","linux","'@SUM\(A1\)"/);
    // No cell starts with a formula character.
    for (const line of lines) expect(line).not.toMatch(/(^|,)"[=+\-@\t\r]/);
    const [event] = await t.database.ownerQuery<{ action: string; after: { rows: number } }>(
      `select action, after from audit_events where tenant_id = $1 order by seq desc limit 1`,
      [acme.partnerId],
    );
    expect(event).toMatchObject({ action: 'device.export', after: { rows: 3 } });
  });

  it('applies the list’s filters and sort', async () => {
    expect(hostnames(await exportAs(acme.session, '?status=offline'))).toEqual(['"at-01"']);
    expect(hostnames(await exportAs(acme.session, '?platform=win32'))).toEqual(['"minus-01"']);
    expect(hostnames(await exportAs(acme.session, `?organization_id=${orgB}`))).toEqual(['"at-01"']);
    expect(hostnames(await exportAs(acme.session, `?site_id=${acme.siteId}&sort=-hostname`))).toEqual([
      '"minus-01"',
      `"'=HYPERLINK(""http://x"")"`,
    ]);
    expect(hostnames(await exportAs(acme.session, '?q=calc'))).toEqual([`"'=HYPERLINK(""http://x"")"`]);
    expect(hostnames(await exportAs(acme.session, '?low_disk=true'))).toEqual([]);
    expect(hostnames(await exportAs(acme.session, '?sort=-status'))[0]).toBe('"at-01"');
    // Paging belongs to the list: the export takes every matching row, and refuses unknown parameters.
    expect((await t.call(acme.session, 'GET', `${P()}/devices/export?limit=1`)).statusCode).toBe(400);
  });

  it('scoped users export only the devices of their organization or site', async () => {
    const orgUser = await technicianOf({ organization_id: orgB });
    expect(hostnames(await exportAs(orgUser))).toEqual(['"at-01"']);
    expect(hostnames(await exportAs(orgUser, `?organization_id=${acme.organizationId}`))).toEqual([]);
    const siteUser = await technicianOf({ organization_id: acme.organizationId, site_id: acme.siteId });
    expect(hostnames(await exportAs(siteUser))).toEqual([`"'=HYPERLINK(""http://x"")"`, '"minus-01"']);
  });

  it('never shows another partner’s devices', async () => {
    const mine = await exportAs(acme.session, '?q=other');
    expect(rows(mine)).toEqual([]);
    const all = await exportAs(acme.session);
    expect(all).not.toContain('other-partner-host');
    expect(all).not.toContain(other.organizationId);
    // Another partner's id in the path is 404 with no data, and so are its organizations as filters.
    const foreign = await t.call(acme.session, 'GET', `/api/v1/partners/${other.partnerId}/devices/export`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain('other-partner-host');
    expect(rows(await exportAs(acme.session, `?organization_id=${other.organizationId}`))).toEqual([]);
    const theirs = await t.call(other.session, 'GET', `/api/v1/partners/${other.partnerId}/devices/export`);
    expect(theirs.body).toContain('other-partner-host');
    expect(theirs.body).not.toContain('minus-01');
  });
});
