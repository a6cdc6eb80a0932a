// AUT3: cron schedules in a time zone that make a task at each firing; a missed firing runs once.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CommandsService } from '../src/modules/commands/index.js';
import { fireDueSchedules, nextOccurrence } from '../src/modules/schedules/index.js';
import { schedulesRepo } from '../src/modules/schedules/schedules.repository.js';
import { SYSTEM_ACTOR } from '../src/platform/audit/audit.js';
import { createUserWithPassword, type SystemRoleKey } from '../src/platform/auth/users.js';
import { enrollTestDevice } from './support/agents.js';
import { createTestApp, PASSWORD, type PartnerFixture, type Session, type TestApp } from './support/app.js';

let t: TestApp;
let acme: PartnerFixture;
let other: PartnerFixture;
let scriptId: string;
let otherScriptId: string;
let acmeDevices: string[];
let otherDevice: string;

const SECRET = 'hunter2-very-secret-token';
const rnd = () => Math.random().toString(36).slice(2, 8);
const url = (f: PartnerFixture) => `/api/v1/partners/${f.partnerId}/schedules`;

async function makeScript(f: PartnerFixture): Promise<string> {
  const res = await t.call(f.session, 'POST', `/api/v1/partners/${f.partnerId}/scripts`, {
    name: `Greeter ${rnd()}`,
    language: 'bash',
    target_os: ['linux'],
    body: 'echo "$1"',
    parameters: [
      { name: 'greeting', label: 'Greeting', type: 'string', required: true },
      { name: 'token', label: 'Token', type: 'secret', required: true },
      { name: 'count', type: 'number', default: 1 },
      { name: 'mode', type: 'choice', choices: ['fast', 'slow'], default: 'slow' },
    ],
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

async function userWith(roleKey: SystemRoleKey, organizationId?: string): Promise<Session> {
  const email = `u-${rnd()}@acme.test`;
  const { id } = await createUserWithPassword(t.database.db, {
    email,
    name: 'U',
    password: PASSWORD,
    partnerId: acme.partnerId,
    roleKey,
  });
  if (organizationId) {
    const [role] = await t.database.ownerQuery<{ id: string }>('select id from roles where key = $1', [roleKey]);
    await t.database.ownerQuery('delete from role_assignments where user_id = $1', [id]);
    const res = await t.call(acme.session, 'POST', `/api/v1/partners/${acme.partnerId}/role-assignments`, {
      user_id: id,
      role_id: role!.id,
      scope_type: 'organization',
      organization_id: organizationId,
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  return t.login(email);
}

/** A valid schedule body, with overrides. */
const body = (overrides: Record<string, unknown> = {}, script = scriptId) => ({
  name: `Schedule ${rnd()}`,
  cron: '0 9 * * *',
  timezone: 'Europe/Paris',
  action: { kind: 'script', script_id: script, parameters: { greeting: 'hello {{device.hostname}}', token: SECRET } },
  target: { type: 'partner', ids: [] },
  ...overrides,
});

async function create(f: PartnerFixture, overrides: Record<string, unknown> = {}, script?: string) {
  const res = await t.call(f.session, 'POST', url(f), body(overrides, script ?? (f === acme ? scriptId : otherScriptId)));
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const tasksOf = (scheduleId: string) =>
  t.database.ownerQuery<{ id: string; tenant_id: string; reason: string; created_by_label: string; parameters: unknown }>(
    'select * from command_tasks where schedule_id = $1 order by created_at',
    [scheduleId],
  );
const rowOf = async (scheduleId: string) =>
  (
    await t.database.ownerQuery<{
      next_run_at: string | null;
      last_run_at: string | null;
      last_task_id: string | null;
      action_secrets: string | null;
      action: unknown;
    }>('select * from command_schedules where id = $1', [scheduleId])
  )[0]!;
/** Pretends the schedule was due at `at` (e.g. before CloudRMM went down). */
const dueAt = (scheduleId: string, at: Date) =>
  t.database.ownerQuery('update command_schedules set next_run_at = $2 where id = $1', [scheduleId, at]);
/** Nothing else is due: every other schedule waits far in the future. */
const onlyDue = (...scheduleIds: string[]) =>
  t.database.ownerQuery(`update command_schedules set next_run_at = '2999-01-01' where not (id = any($1::uuid[]))`, [
    scheduleIds,
  ]);

const parisClock = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));

beforeAll(async () => {
  t = await createTestApp();
  acme = await t.createPartnerWithUser('Acme IT');
  other = await t.createPartnerWithUser('Other MSP');
  scriptId = await makeScript(acme);
  otherScriptId = await makeScript(other);
  acmeDevices = [(await enrollTestDevice(t, acme, 'acme-1')).deviceId, (await enrollTestDevice(t, acme, 'acme-2')).deviceId];
  otherDevice = (await enrollTestDevice(t, other, 'other-1')).deviceId;
});
afterAll(() => t.close());

describe('timing', () => {
  it('computes the next occurrence in the schedule’s time zone, across daylight saving time', () => {
    // 09:00 in Paris is 08:00 UTC in winter, 07:00 UTC in summer (the clocks moved on 30 March 2025).
    expect(nextOccurrence('0 9 * * *', 'Europe/Paris', new Date('2025-01-10T10:00:00Z'))!.toISOString()).toBe(
      '2025-01-11T08:00:00.000Z',
    );
    expect(nextOccurrence('0 9 * * *', 'Europe/Paris', new Date('2025-03-29T10:00:00Z'))!.toISOString()).toBe(
      '2025-03-30T07:00:00.000Z',
    );
    // Strictly after: a firing exactly now is not the next one.
    expect(nextOccurrence('0 9 * * *', 'Europe/Paris', new Date('2025-03-30T07:00:00Z'))!.toISOString()).toBe(
      '2025-03-31T07:00:00.000Z',
    );
    expect(nextOccurrence('30 2 * * 1', 'America/New_York', new Date('2025-06-01T00:00:00Z'))!.toISOString()).toBe(
      '2025-06-02T06:30:00.000Z',
    );
  });
});

describe('schedules API', () => {
  it('creates a schedule with its next run in its time zone; secrets are sealed and never returned', async () => {
    const res = await t.call(acme.session, 'POST', url(acme), body({ name: 'Morning greeting', description: 'daily' }));
    expect(res.statusCode, res.body).toBe(201);
    const s = res.json();
    expect(s).toMatchObject({
      name: 'Morning greeting',
      description: 'daily',
      enabled: true,
      cron: '0 9 * * *',
      timezone: 'Europe/Paris',
      action: { kind: 'script', script_id: scriptId, parameters: { greeting: 'hello {{device.hostname}}', token: null } },
      target: { type: 'partner', ids: [] },
      expiry_hours: null,
      last_run_at: null,
      last_task_id: null,
      created_by: acme.session.userId,
      version: 1,
    });
    expect(parisClock(s.next_run_at)).toBe('09:00');
    const next = Date.parse(s.next_run_at);
    expect(next).toBeGreaterThan(Date.now());
    expect(next - Date.now()).toBeLessThanOrEqual(25 * 3600_000);
    expect(res.body).not.toContain(SECRET);

    const row = await rowOf(s.id);
    expect(row.action_secrets).toMatch(/^v1:/);
    expect(JSON.stringify(row)).not.toContain(SECRET);
    expect(JSON.parse(t.app.ctx.secrets.decrypt(row.action_secrets!, `schedule-action:${s.id}`))).toEqual({ token: SECRET });
    const audit = await t.database.ownerQuery('select * from audit_events where tenant_id = $1 and target_id = $2', [
      acme.partnerId,
      s.id,
    ]);
    expect(audit.map((e) => e.action)).toEqual(['schedule.create']);
    expect(JSON.stringify(audit)).not.toContain(SECRET);

    const got = await t.call(acme.session, 'GET', `${url(acme)}/${s.id}`);
    expect(got.json()).toEqual(s);
    const list = (await t.call(acme.session, 'GET', `${url(acme)}?q=morning`)).json();
    expect(list.items.map((x: { id: string }) => x.id)).toEqual([s.id]);
    expect(JSON.stringify(list)).not.toContain(SECRET);
    // Canonical forms are stored: one space between fields, the zone's own name.
    const spaced = await create(acme, { cron: '  */15   *  * * 1-5 ', timezone: 'utc' });
    expect(spaced).toMatchObject({ cron: '*/15 * * * 1-5', timezone: 'UTC' });
  });

  it('refuses bad cron expressions, unknown time zones and actions a task would refuse', async () => {
    const refused = async (overrides: Record<string, unknown>, field: string) => {
      const res = await t.call(acme.session, 'POST', url(acme), body(overrides));
      expect(res.statusCode, `${JSON.stringify(overrides)}: ${res.body}`).toBe(400);
      expect(res.json().error.field, JSON.stringify(overrides)).toBe(field);
    };
    await refused({ cron: 'every morning' }, 'cron');
    await refused({ cron: '61 * * * *' }, 'cron');
    await refused({ cron: '0 25 * * *' }, 'cron');
    await refused({ cron: '0 0 9 * * *' }, 'cron');
    await refused({ cron: '0 9 * *  ' }, 'cron');
    await refused({ timezone: 'Mars/Olympus_Mons' }, 'timezone');
    await refused({ timezone: 'Paris' }, 'timezone');
    await refused({ action: { kind: 'script' } }, 'action.script_id');
    await refused({ action: { kind: 'script', script_id: '00000000-0000-4000-8000-000000000000' } }, 'action.script_id');
    await refused(
      { action: { kind: 'script', script_id: otherScriptId, parameters: { greeting: 'x', token: 'y' } } },
      'action.script_id',
    );
    await refused({ action: { kind: 'script', script_id: scriptId, parameters: { token: 'x' } } }, 'action.parameters.greeting');
    await refused({ action: { kind: 'script', script_id: scriptId, parameters: { greeting: 'x' } } }, 'action.parameters.token');
    await refused(
      { action: { kind: 'script', script_id: scriptId, parameters: { greeting: 'x', token: 'y', colour: 'red' } } },
      'action.parameters.colour',
    );
    await refused(
      { action: { kind: 'script', script_id: scriptId, parameters: { greeting: 'x', token: 'y', count: 'many' } } },
      'action.parameters.count',
    );
    await refused(
      { action: { kind: 'script', script_id: scriptId, parameters: { greeting: 'x', token: 'y', mode: 'medium' } } },
      'action.parameters.mode',
    );
    await refused({ action: { kind: 'shell', interpreter: 'bash' } }, 'action.command');
    await refused({ action: { kind: 'shell', command: 'uptime', parameters: { a: 'b' } } }, 'action.parameters');
    await refused({ action: { kind: 'process_kill' } }, 'action.pid');
    await refused({ target: { type: 'partner', ids: [acmeDevices[0]] } }, 'target.ids');
    await refused({ target: { type: 'devices', ids: [] } }, 'target.ids');
    await refused({ target: { type: 'filter', ids: ['00000000-0000-4000-8000-000000000000'] } }, 'target.ids');
    // Shapes the task schema refuses are refused too.
    for (const bad of [
      { action: { kind: 'format_disk' } },
      { action: { kind: 'reboot', delay_seconds: -1 } },
      { target: { type: 'galaxy', ids: [] } },
      { expiry_hours: 721 },
      { name: '' },
      { colour: 'red' },
    ]) {
      expect((await t.call(acme.session, 'POST', url(acme), body(bad))).statusCode, JSON.stringify(bad)).toBe(400);
    }
    const first = await create(acme);
    const dup = await t.call(acme.session, 'POST', url(acme), body({ name: first.name.toUpperCase() }));
    expect(dup.statusCode).toBe(409);
  });

  it('updates with a version: timing changes move the next run, disabling clears it, secrets are kept', async () => {
    const s = await create(acme, { name: 'Patch me' });
    const one = `${url(acme)}/${s.id}`;
    const renamed = await t.call(acme.session, 'PATCH', one, { version: 1, name: 'Patched' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Patched', version: 2, next_run_at: s.next_run_at });

    const retimed = (
      await t.call(acme.session, 'PATCH', one, { version: 2, cron: '30 18 * * *', timezone: 'Asia/Tokyo' })
    ).json();
    expect(retimed.next_run_at).not.toBe(s.next_run_at);
    expect(
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' }).format(
        new Date(retimed.next_run_at),
      ),
    ).toBe('18:30');

    const disabled = (await t.call(acme.session, 'PATCH', one, { version: 3, enabled: false })).json();
    expect(disabled).toMatchObject({ enabled: false, next_run_at: null });
    const enabled = (await t.call(acme.session, 'PATCH', one, { version: 4, enabled: true })).json();
    expect(enabled.next_run_at).toBe(retimed.next_run_at);

    // A new greeting; the secret left null keeps its stored value.
    const action = { kind: 'script', script_id: scriptId, parameters: { greeting: 'bonjour', token: null, mode: 'fast' } };
    const acted = await t.call(acme.session, 'PATCH', one, { version: 5, action });
    expect(acted.statusCode, acted.body).toBe(200);
    expect(acted.json().action.parameters).toEqual({ greeting: 'bonjour', token: null, mode: 'fast' });
    const row = await rowOf(s.id);
    expect(JSON.parse(t.app.ctx.secrets.decrypt(row.action_secrets!, `schedule-action:${s.id}`))).toEqual({ token: SECRET });
    // Another kind of action drops the secrets.
    const shell = await t.call(acme.session, 'PATCH', one, { version: 6, action: { kind: 'shell', command: 'uptime' } });
    expect(shell.statusCode, shell.body).toBe(200);
    expect((await rowOf(s.id)).action_secrets).toBeNull();

    expect((await t.call(acme.session, 'PATCH', one, { version: 1, name: 'Stale' })).statusCode).toBe(409);
    expect((await t.call(acme.session, 'PATCH', one, { version: 7, timezone: 'Nowhere/Land' })).statusCode).toBe(400);
    expect((await t.call(acme.session, 'PATCH', one, { version: 7, cron: '* *' })).statusCode).toBe(400);

    expect((await t.call(acme.session, 'DELETE', one)).statusCode).toBe(204);
    expect((await t.call(acme.session, 'GET', one)).statusCode).toBe(404);
    expect((await t.call(acme.session, 'PATCH', one, { version: 7, name: 'Gone' })).statusCode).toBe(404);
    const actions = await t.database.ownerQuery<{ action: string }>(
      'select action from audit_events where tenant_id = $1 and target_id = $2 order by seq',
      [acme.partnerId, s.id],
    );
    expect(actions.map((a) => a.action)).toEqual(['schedule.create', ...Array(6).fill('schedule.update'), 'schedule.delete']);
  });

  it('reading needs commands.view and writing commands.run, both for the whole partner', async () => {
    const s = await create(acme);
    const readonly = await userWith('readonly');
    expect((await t.call(readonly, 'GET', url(acme))).statusCode).toBe(200);
    expect((await t.call(readonly, 'GET', `${url(acme)}/${s.id}`)).statusCode).toBe(200);
    expect((await t.call(readonly, 'POST', url(acme), body())).statusCode).toBe(403);
    expect((await t.call(readonly, 'POST', `${url(acme)}/${s.id}/run-now`)).statusCode).toBe(403);
    const org = await t.tenancy.createOrganization(acme.partnerId, { name: `Scoped ${rnd()}` }, SYSTEM_ACTOR);
    const scoped = await userWith('technician', org.id);
    expect((await t.call(scoped, 'GET', url(acme))).statusCode).toBe(403);
    expect((await t.call(scoped, 'POST', url(acme), body())).statusCode).toBe(403);
    // Another partner's schedule does not exist here.
    expect((await t.call(other.session, 'GET', `${url(other)}/${s.id}`)).statusCode).toBe(404);
    expect((await t.call(other.session, 'GET', url(other))).body).not.toContain(s.id);
  });
});

describe('firing (controllable clock)', () => {
  const NOW = new Date('2031-06-15T10:30:00Z');

  it('makes one task per due schedule, attributed to the schedule, then waits for the next occurrence', async () => {
    const hourly = await create(acme, { name: 'Hourly', cron: '0 * * * *', timezone: 'UTC' });
    const daily = await create(acme, { name: 'Daily Paris' });
    await onlyDue();
    await dueAt(hourly.id, new Date('2031-06-15T10:00:00Z'));
    await dueAt(daily.id, new Date('2031-06-15T07:00:00Z'));

    expect(await fireDueSchedules(t.app.ctx, NOW)).toEqual({ fired: 2, failed: 0, waiting: 0 });
    const [task] = await tasksOf(hourly.id);
    expect(await tasksOf(hourly.id)).toHaveLength(1);
    expect(await tasksOf(daily.id)).toHaveLength(1);
    expect(task).toMatchObject({ tenant_id: acme.partnerId, reason: 'schedule', created_by_label: 'schedule Hourly' });
    expect(JSON.stringify(task)).not.toContain(SECRET);
    const runs = await t.database.ownerQuery<{ device_id: string; device_input_encrypted: string }>(
      'select * from command_runs where task_id = $1',
      [task!.id],
    );
    expect(runs.map((r) => r.device_id).sort()).toEqual([...acmeDevices].sort());
    expect(JSON.stringify(runs)).not.toContain(SECRET);

    const row = await rowOf(hourly.id);
    expect(row.next_run_at).toBe('2031-06-15T11:00:00.000Z');
    expect(row.last_run_at).toBe(NOW.toISOString());
    expect(row.last_task_id).toBe(task!.id);
    // 09:00 in Paris the next day (summer time: 07:00 UTC).
    expect((await rowOf(daily.id)).next_run_at).toBe('2031-06-16T07:00:00.000Z');
    const api = (await t.call(acme.session, 'GET', `${url(acme)}/${hourly.id}`)).json();
    expect(api).toMatchObject({ last_task_id: task!.id, next_run_at: '2031-06-15T11:00:00.000Z' });

    const fired = await t.database.ownerQuery<{ actor_type: string; actor_label: string; after: { task_id: string } }>(
      `select * from audit_events where tenant_id = $1 and target_id = $2 and action = 'schedule.fire'`,
      [acme.partnerId, hourly.id],
    );
    expect(fired).toEqual([expect.objectContaining({ actor_type: 'system', actor_label: 'schedule Hourly' })]);
    expect(fired[0]!.after.task_id).toBe(task!.id);

    // The same minute again: nothing is due.
    expect(await fireDueSchedules(t.app.ctx, NOW)).toEqual({ fired: 0, failed: 0, waiting: 0 });
    // An hour later the hourly one fires again, the daily one does not.
    expect(await fireDueSchedules(t.app.ctx, new Date('2031-06-15T11:00:30Z'))).toEqual({ fired: 1, failed: 0, waiting: 0 });
    expect(await tasksOf(hourly.id)).toHaveLength(2);
    expect(await tasksOf(daily.id)).toHaveLength(1);
  });

  it('a schedule that missed many firings while CloudRMM was down fires once, then resumes after now', async () => {
    const often = await create(acme, { name: 'Every five minutes', cron: '*/5 * * * *', timezone: 'UTC' });
    await onlyDue();
    // Down for three days: hundreds of occurrences went by.
    await dueAt(often.id, new Date('2031-06-12T10:30:00Z'));
    expect(await fireDueSchedules(t.app.ctx, NOW)).toEqual({ fired: 1, failed: 0, waiting: 0 });
    expect(await tasksOf(often.id)).toHaveLength(1);
    expect((await rowOf(often.id)).next_run_at).toBe('2031-06-15T10:35:00.000Z');
    expect(await fireDueSchedules(t.app.ctx, new Date('2031-06-15T10:34:59Z'))).toEqual({ fired: 0, failed: 0, waiting: 0 });
    expect(await tasksOf(often.id)).toHaveLength(1);
  });

  it('two workers firing at once never fire the same schedule twice', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await create(acme, { cron: '0 * * * *', timezone: 'UTC' })).id);
    await onlyDue(...ids);
    for (const id of ids) await dueAt(id, new Date('2031-06-15T10:00:00Z'));
    const results = await Promise.all([fireDueSchedules(t.app.ctx, NOW), fireDueSchedules(t.app.ctx, NOW)]);
    expect(results.reduce((n, r) => n + r.fired, 0)).toBe(4);
    for (const id of ids) expect(await tasksOf(id), id).toHaveLength(1);
  });

  it('a disabled or deleted schedule never fires', async () => {
    const off = await create(acme, { enabled: false, cron: '* * * * *', timezone: 'UTC' });
    expect(off.next_run_at).toBeNull();
    const gone = await create(acme, { cron: '* * * * *', timezone: 'UTC' });
    expect((await t.call(acme.session, 'DELETE', `${url(acme)}/${gone.id}`)).statusCode).toBe(204);
    await onlyDue();
    // Even with a due time left behind, disabled means never.
    await dueAt(off.id, new Date('2031-06-15T10:00:00Z'));
    await dueAt(gone.id, new Date('2031-06-15T10:00:00Z'));
    expect(await fireDueSchedules(t.app.ctx, NOW)).toEqual({ fired: 0, failed: 0, waiting: 0 });
    expect(await tasksOf(off.id)).toEqual([]);
    expect(await tasksOf(gone.id)).toEqual([]);
  });

  it('keeps each partner’s firings inside that partner', async () => {
    const mine = await create(acme, { name: 'Mine', cron: '0 * * * *', timezone: 'UTC' });
    const theirs = await create(other, { name: 'Theirs', cron: '0 * * * *', timezone: 'UTC' });
    // Acme names another partner's device: the firing finds nothing to run on.
    const reaching = await create(acme, {
      name: 'Reaching',
      cron: '0 * * * *',
      timezone: 'UTC',
      target: { type: 'devices', ids: [otherDevice] },
    });
    await onlyDue(mine.id, theirs.id, reaching.id);
    for (const id of [mine.id, theirs.id, reaching.id]) await dueAt(id, new Date('2031-06-15T10:00:00Z'));
    expect(await fireDueSchedules(t.app.ctx, NOW)).toEqual({ fired: 2, failed: 1, waiting: 0 });
    expect((await tasksOf(mine.id)).map((x) => x.tenant_id)).toEqual([acme.partnerId]);
    expect((await tasksOf(theirs.id)).map((x) => x.tenant_id)).toEqual([other.partnerId]);
    expect(await tasksOf(reaching.id)).toEqual([]);
    const runsOnOther = await t.database.ownerQuery('select * from command_runs where device_id = $1', [otherDevice]);
    expect(runsOnOther.every((r) => r.tenant_id === other.partnerId)).toBe(true);
    // The failure is audited in Acme's chain, and the schedule waits for its next occurrence.
    const [failed] = await t.database.ownerQuery<{ actor_label: string; after: { error: string } }>(
      `select * from audit_events where tenant_id = $1 and target_id = $2 and action = 'schedule.fire_failed'`,
      [acme.partnerId, reaching.id],
    );
    expect(failed).toMatchObject({ actor_label: 'schedule Reaching' });
    expect(failed!.after.error).toBe('no_targets: none of the 1 listed devices is still there (deleted or revoked)');
    expect((await rowOf(reaching.id)).next_run_at).toBe('2031-06-15T11:00:00.000Z');
    // Each partner sees its own schedules only.
    expect((await t.call(acme.session, 'GET', url(acme))).body).not.toContain(theirs.id);
    expect((await t.call(other.session, 'GET', url(other))).body).not.toContain(mine.id);
  });

  it('run-now makes the task at once, as the caller, and leaves the next firing alone', async () => {
    const s = await create(acme, { name: 'On demand' });
    const res = await t.call(acme.session, 'POST', `${url(acme)}/${s.id}/run-now`);
    expect(res.statusCode, res.body).toBe(201);
    const task = res.json();
    expect(task).toMatchObject({ reason: 'schedule', schedule_id: s.id, created_by_name: 'Tech', target_count: 2 });
    expect(task.parameters).toMatchObject({ greeting: 'hello {{device.hostname}}', token: null });
    expect(res.body).not.toContain(SECRET);
    const after = (await t.call(acme.session, 'GET', `${url(acme)}/${s.id}`)).json();
    expect(after).toMatchObject({ last_task_id: task.id, next_run_at: s.next_run_at });
    const [event] = await t.database.ownerQuery<{ actor_label: string }>(
      `select * from audit_events where tenant_id = $1 and target_id = $2 and action = 'schedule.run'`,
      [acme.partnerId, s.id],
    );
    expect(event).toMatchObject({ actor_label: acme.email });
    expect((await t.call(acme.session, 'POST', `${url(acme)}/00000000-0000-4000-8000-000000000000/run-now`)).statusCode).toBe(
      404,
    );
  });

  it('a firing retried after the worker died between making the task and moving on makes no second task', async () => {
    const s = await create(acme, { name: 'Crash-proof', cron: '0 * * * *', timezone: 'UTC' });
    await onlyDue(s.id);
    await dueAt(s.id, new Date('2031-06-15T10:00:00Z'));
    // The worker dies after the task is committed, before the schedule is moved on.
    const died = vi.spyOn(schedulesRepo, 'fired').mockRejectedValueOnce(new Error('worker died'));
    try {
      await expect(fireDueSchedules(t.app.ctx, NOW)).rejects.toThrow('worker died');
    } finally {
      died.mockRestore();
    }
    const [made] = await tasksOf(s.id);
    expect(await tasksOf(s.id)).toHaveLength(1);
    expect((await rowOf(s.id)).next_run_at).toBe('2031-06-15T10:00:00.000Z');

    // The next pass fires the same occurrence again: it finds that task.
    expect(await fireDueSchedules(t.app.ctx, NOW)).toEqual({ fired: 1, failed: 0, waiting: 0 });
    expect((await tasksOf(s.id)).map((x) => x.id)).toEqual([made!.id]);
    expect(await t.database.ownerQuery('select id from command_runs where task_id = $1', [made!.id])).toHaveLength(2);
    expect(await rowOf(s.id)).toMatchObject({ last_task_id: made!.id, next_run_at: '2031-06-15T11:00:00.000Z' });
    // The next occurrence is a new task.
    expect(await fireDueSchedules(t.app.ctx, new Date('2031-06-15T11:00:10Z'))).toEqual({ fired: 1, failed: 0, waiting: 0 });
    expect(await tasksOf(s.id)).toHaveLength(2);
  });

  it('firings racing on the same occurrence make one task (firings have no creator: the key is unique all the same)', async () => {
    const s = await create(acme, { name: 'Raced', cron: '0 * * * *', timezone: 'UTC' });
    const commands = new CommandsService(t.app.ctx);
    const key = `schedule:${s.id}:2031-06-15T10:00:00.000Z`;
    const fire = () =>
      commands.createTask(
        acme.partnerId,
        { kind: 'inventory_refresh', target: { type: 'partner', ids: [] } },
        { principal: null, actor: SYSTEM_ACTOR },
        { reason: 'schedule', scheduleId: s.id, idempotencyKey: key, firing: { approval: null } },
      );
    const made = await Promise.all([fire(), fire(), fire(), fire()]);
    expect(new Set(made.map((m) => m.id)).size).toBe(1);
    expect(await tasksOf(s.id)).toHaveLength(1);
    // The database holds the line too.
    await expect(
      t.database.ownerQuery(
        `insert into command_tasks (tenant_id, kind, title, payload, target, target_count, reason, schedule_id, idempotency_key, expires_at)
         select tenant_id, kind, title, payload, target, target_count, reason, schedule_id, idempotency_key, expires_at
           from command_tasks where id = $1`,
        [made[0]!.id],
      ),
    ).rejects.toThrow(/uq_command_tasks_schedule_firing/);
  });

  it('runs on the listed devices still there, skipping deleted ones; with none left the firing is skipped and audited', async () => {
    const gone = (await enrollTestDevice(t, acme, 'acme-gone')).deviceId;
    const s = await create(acme, {
      name: 'Some devices',
      cron: '0 * * * *',
      timezone: 'UTC',
      target: { type: 'devices', ids: [...acmeDevices, gone] },
    });
    const lonely = await create(acme, {
      name: 'Only the gone one',
      cron: '0 * * * *',
      timezone: 'UTC',
      target: { type: 'devices', ids: [gone] },
    });
    expect((await t.call(acme.session, 'DELETE', `/api/v1/partners/${acme.partnerId}/devices/${gone}`)).statusCode).toBe(204);
    await onlyDue(s.id, lonely.id);
    await dueAt(s.id, new Date('2031-06-15T10:00:00Z'));
    await dueAt(lonely.id, new Date('2031-06-15T10:00:00Z'));

    expect(await fireDueSchedules(t.app.ctx, NOW)).toEqual({ fired: 1, failed: 1, waiting: 0 });
    const [task] = await tasksOf(s.id);
    const runs = await t.database.ownerQuery<{ device_id: string }>('select device_id from command_runs where task_id = $1', [
      task!.id,
    ]);
    expect(runs.map((r) => r.device_id).sort()).toEqual([...acmeDevices].sort());
    const events = await t.database.ownerQuery<{ action: string; target_id: string; after: Record<string, unknown> }>(
      `select action, target_id, after from audit_events
        where tenant_id = $1 and (target_id = any($2::text[]) and action like 'schedule.fire%' or target_id = $3 and action = 'task.create')
        order by seq`,
      [acme.partnerId, [s.id, lonely.id], task!.id],
    );
    expect(events.find((e) => e.action === 'task.create')!.after).toMatchObject({ skipped_device_ids: [gone], target_count: 2 });
    expect(events.find((e) => e.target_id === s.id)).toMatchObject({
      action: 'schedule.fire',
      after: { task_id: task!.id, devices: 2, skipped_devices: 1 },
    });
    expect(events.find((e) => e.target_id === lonely.id)).toMatchObject({
      action: 'schedule.fire_failed',
      after: { task_id: null, error: 'no_targets: none of the 1 listed devices is still there (deleted or revoked)' },
    });
    // Not an error loop: the schedule waits for its next occurrence.
    expect((await rowOf(lonely.id)).next_run_at).toBe('2031-06-15T11:00:00.000Z');
    expect(await fireDueSchedules(t.app.ctx, NOW)).toEqual({ fired: 0, failed: 0, waiting: 0 });
    // Run now (the schedule's action as a person runs it) skips the same way; a task a person aims at it is a 404.
    const now = await t.call(acme.session, 'POST', `${url(acme)}/${s.id}/run-now`);
    expect(now.statusCode, now.body).toBe(201);
    expect(now.json().target_count).toBe(2);
    const manual = await t.call(acme.session, 'POST', `/api/v1/partners/${acme.partnerId}/tasks`, {
      kind: 'reboot',
      target: { type: 'devices', ids: [acmeDevices[0], gone] },
    });
    expect(manual.statusCode).toBe(404);
  });
});

describe('fan-out approval of schedules (security.md 28)', () => {
  const NOW = new Date('2031-06-15T10:30:00Z');
  let msp: PartnerFixture;
  let mspScript: string;
  const mspDevices: string[] = [];
  let approver: Session;
  let secondApprover: Session;
  const mspUrl = () => url(msp);

  async function mspUser(roleKey: SystemRoleKey): Promise<Session> {
    const email = `m-${rnd()}@msp.test`;
    await createUserWithPassword(t.database.db, {
      email,
      name: `Approver ${roleKey}`,
      password: PASSWORD,
      partnerId: msp.partnerId,
      roleKey,
    });
    return t.login(email);
  }
  const mspTasks = (scheduleId: string) =>
    t.database.ownerQuery<{ id: string; approval: string; approval_by: string | null }>(
      'select * from command_tasks where schedule_id = $1 order by created_at',
      [scheduleId],
    );
  const events = async (scheduleId: string) =>
    (
      await t.database.ownerQuery<{ action: string }>(
        'select action from audit_events where tenant_id = $1 and target_id = $2 order by seq',
        [msp.partnerId, scheduleId],
      )
    ).map((e) => e.action);

  beforeAll(async () => {
    msp = await t.createPartnerWithUser('Approving MSP');
    mspScript = await makeScript(msp);
    for (let i = 0; i < 3; i++) mspDevices.push((await enrollTestDevice(t, msp, `msp-${i}`)).deviceId);
    const { version } = (await t.call(msp.session, 'GET', `/api/v1/partners/${msp.partnerId}/command-settings`)).json();
    const put = await t.call(msp.session, 'PUT', `/api/v1/partners/${msp.partnerId}/command-settings`, {
      version,
      fanout_threshold: 2,
      default_expiry_hours: 24,
    });
    expect(put.statusCode, put.body).toBe(200);
    approver = await mspUser('administrator');
    secondApprover = await mspUser('owner');
  });

  it('a schedule above the threshold makes no task until a second person approves it once; then every firing runs', async () => {
    // Up to the threshold no approval is needed; a site holding all three devices needs one.
    const small = await create(msp, { target: { type: 'devices', ids: mspDevices.slice(0, 2) } }, mspScript);
    expect(small).toMatchObject({ approval: 'not_required', approval_by_name: null });
    expect((await create(msp, { target: { type: 'sites', ids: [msp.siteId] } }, mspScript)).approval).toBe('pending');
    const s = await create(msp, { name: 'Fleet-wide', cron: '0 * * * *', timezone: 'UTC' }, mspScript);
    expect(s).toMatchObject({ approval: 'pending', approval_by_name: null, approval_at: null });
    await onlyDue(s.id);
    await dueAt(s.id, new Date('2031-06-15T10:00:00Z'));

    // Not approved: no task, audited as waiting, and the schedule moves on (no retry loop).
    expect(await fireDueSchedules(t.app.ctx, NOW)).toEqual({ fired: 0, failed: 0, waiting: 1 });
    expect(await mspTasks(s.id)).toEqual([]);
    const [waited] = await t.database.ownerQuery<{ after: { error: string } }>(
      `select after from audit_events where target_id = $1 and action = 'schedule.fire_waiting'`,
      [s.id],
    );
    expect(waited!.after.error).toMatch(/^approval_required: the target holds 3 devices, more than the fan-out threshold \(2\)/);
    expect((await rowOf(s.id)).next_run_at).toBe('2031-06-15T11:00:00.000Z');

    const one = `${mspUrl()}/${s.id}`;
    // Not by its creator, not without commands.approve, not a stale version.
    const own = await t.call(msp.session, 'POST', `${one}/approve`, { version: 1 });
    expect(own.statusCode).toBe(403);
    expect(own.json().error.code).toBe('own_schedule');
    expect((await t.call(await mspUser('technician'), 'POST', `${one}/approve`, { version: 1 })).statusCode).toBe(403);
    expect((await t.call(approver, 'POST', `${one}/approve`, { version: 7 })).statusCode).toBe(409);
    const approved = await t.call(approver, 'POST', `${one}/approve`, { version: 1 });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ approval: 'approved', approval_by_name: 'Approver administrator', version: 2 });
    expect(approved.json().approval_at).toEqual(expect.any(String));
    expect((await t.call(approver, 'POST', `${one}/approve`, { version: 2 })).statusCode).toBe(409);
    expect((await t.call(msp.session, 'GET', one)).json()).toMatchObject({ approval: 'approved' });

    // Approved: each firing runs without waiting, approved by the schedule's approver.
    expect(await fireDueSchedules(t.app.ctx, new Date('2031-06-15T11:00:10Z'))).toEqual({ fired: 1, failed: 0, waiting: 0 });
    expect(await fireDueSchedules(t.app.ctx, new Date('2031-06-15T12:00:10Z'))).toEqual({ fired: 1, failed: 0, waiting: 0 });
    const tasks = await mspTasks(s.id);
    expect(tasks.map((x) => x.approval)).toEqual(['approved', 'approved']);
    const task = (await t.call(msp.session, 'GET', `/api/v1/partners/${msp.partnerId}/tasks/${tasks[0]!.id}`)).json();
    expect(task).toMatchObject({ approval: 'approved', approval_by_name: 'Approver administrator', target_count: 3 });

    // A rename keeps the approval; a new action voids it.
    const renamed = (await t.call(msp.session, 'PATCH', one, { version: 2, name: 'Fleet-wide (renamed)' })).json();
    expect(renamed).toMatchObject({ approval: 'approved', version: 3 });
    const same = (
      await t.call(msp.session, 'PATCH', one, {
        version: 3,
        action: { kind: 'script', script_id: mspScript, parameters: { token: null, greeting: 'hello {{device.hostname}}' } },
        target: { ids: [], type: 'partner' },
      })
    ).json();
    expect(same).toMatchObject({ approval: 'approved', version: 4 });
    const changed = (
      await t.call(msp.session, 'PATCH', one, {
        version: 4,
        action: { kind: 'script', script_id: mspScript, parameters: { greeting: 'goodbye', token: null } },
      })
    ).json();
    expect(changed).toMatchObject({ approval: 'pending', approval_by_name: null, approval_at: null });
    expect(await fireDueSchedules(t.app.ctx, new Date('2031-06-15T13:00:10Z'))).toEqual({ fired: 0, failed: 0, waiting: 1 });
    expect(await mspTasks(s.id)).toHaveLength(2);
    expect(await events(s.id)).toEqual([
      'schedule.create',
      'schedule.fire_waiting',
      'schedule.approve',
      'schedule.fire',
      'schedule.fire',
      'schedule.update',
      'schedule.update',
      'schedule.update',
      'schedule.fire_waiting',
    ]);
  });

  it('a new target, a new script version or its last editor approving: each needs another approval', async () => {
    const s = await create(msp, { name: 'Retargeted', cron: '0 * * * *', timezone: 'UTC' }, mspScript);
    const one = `${mspUrl()}/${s.id}`;
    expect((await t.call(approver, 'POST', `${one}/approve`, { version: 1 })).statusCode).toBe(200);
    // The approver edits it: now they are its last editor, and the new target voids the approval.
    const edited = (await t.call(approver, 'PATCH', one, { version: 2, target: { type: 'sites', ids: [msp.siteId] } })).json();
    expect(edited).toMatchObject({ approval: 'pending', updated_by: expect.any(String) });
    const self = await t.call(approver, 'POST', `${one}/approve`, { version: 3 });
    expect(self.json().error.code).toBe('own_schedule');
    expect((await t.call(secondApprover, 'POST', `${one}/approve`, { version: 3 })).statusCode).toBe(200);

    // The script changes after the approval: the next firing waits for a new one.
    await onlyDue(s.id);
    await dueAt(s.id, new Date('2031-06-15T10:00:00Z'));
    expect(await fireDueSchedules(t.app.ctx, NOW)).toEqual({ fired: 1, failed: 0, waiting: 0 });
    const script = (await t.call(msp.session, 'GET', `/api/v1/partners/${msp.partnerId}/scripts/${mspScript}`)).json();
    const patched = await t.call(msp.session, 'PATCH', `/api/v1/partners/${msp.partnerId}/scripts/${mspScript}`, {
      version: script.version,
      body: 'echo "changed: $1"',
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(await fireDueSchedules(t.app.ctx, new Date('2031-06-15T11:00:10Z'))).toEqual({ fired: 0, failed: 0, waiting: 1 });
    const [waited] = await t.database.ownerQuery<{ after: { error: string } }>(
      `select after from audit_events where target_id = $1 and action = 'schedule.fire_waiting'`,
      [s.id],
    );
    expect(waited!.after.error).toContain('the script changed since the schedule was approved');
    expect((await t.call(msp.session, 'GET', one)).json()).toMatchObject({ approval: 'pending', approval_at: null });
    // Run now is a person's task: it waits for its own approval.
    const now = await t.call(msp.session, 'POST', `${one}/run-now`);
    expect(now.statusCode, now.body).toBe(201);
    expect(now.json().approval).toBe('pending');
  });
});
