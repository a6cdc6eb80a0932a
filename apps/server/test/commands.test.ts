// AUT4, AUT5, AGT9, AGT18, DEV8; security.md 26-28: tasks, signed runs, delivery, results, history,
// the fan-out approval and the kill switch, over real sockets and a real database.
import { contentHash } from '@cloudrmm/protocol';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isolating, storableExitCode } from '../src/modules/commands/commands.delivery.js';
import { runWatchdog } from '../src/modules/commands/index.js';
import { SYSTEM_ACTOR } from '../src/platform/audit/audit.js';
import { createUserWithPassword } from '../src/platform/auth/users.js';
import type { BusEvents } from '../src/platform/bus/bus.js';
import { commandKeyOf } from '../src/platform/signing/index.js';
import { CommandAgent, commandPublicKey, enrollTestDevice, wsBase } from './support/agents.js';
import { createTestApp, PASSWORD, type PartnerFixture, type Session, type TestApp } from './support/app.js';

let t: TestApp;
let acme: PartnerFixture;
let base: string;
let publicKey: ReturnType<typeof commandPublicKey>;

beforeAll(async () => {
  t = await createTestApp();
  acme = await t.createPartnerWithUser('Acme IT');
  base = wsBase(await t.app.listen({ host: '127.0.0.1', port: 0 }));
  publicKey = commandPublicKey((await commandKeyOf(t.app.ctx)).publicInfo.public_key);
});
afterAll(() => t.close());

const P = () => `/api/v1/partners/${acme.partnerId}`;

async function until<T>(check: () => Promise<T | undefined | null | false>, ms = 5_000, what = 'condition'): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() - started > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function runRow(runId: string) {
  const [row] = await t.database.ownerQuery('select * from command_runs where id = $1', [runId]);
  return row as Record<string, unknown> & { status: string; stdout: string; stderr: string; error: string | null };
}

async function runsOf(taskId: string) {
  return t.database.ownerQuery<{ id: string; device_id: string; status: string }>(
    'select id, device_id, status from command_runs where task_id = $1 order by device_id',
    [taskId],
  );
}

async function script(f: PartnerFixture, parameters: unknown[] = [], body = 'echo "$@"') {
  const [row] = await t.database.ownerQuery<{ id: string }>(
    `insert into scripts (tenant_id, name, language, body, parameters, target_os)
     values ($1, $2, 'bash', $3, $4, '{linux}') returning id`,
    [f.partnerId, `Script ${Math.random().toString(36).slice(2, 8)}`, body, JSON.stringify(parameters)],
  );
  return row!.id;
}

const param = (name: string, type: string, extra: Record<string, unknown> = {}) => ({
  name,
  label: name,
  type,
  required: false,
  default: null,
  choices: [],
  description: '',
  ...extra,
});

async function device(f = acme, hostname?: string) {
  const d = await enrollTestDevice(t, f, hostname);
  return { ...d, connect: () => CommandAgent.open(base, d, f.partnerId, publicKey) };
}

async function secondUser(f: PartnerFixture, roleKey: 'administrator' | 'technician' | 'readonly'): Promise<Session> {
  const email = `second-${Math.random().toString(36).slice(2, 8)}@acme.test`;
  await createUserWithPassword(t.database.db, { email, name: 'Second', password: PASSWORD, partnerId: f.partnerId, roleKey });
  return t.login(email);
}

const shell = (deviceIds: string[], command = 'echo hi', extra: Record<string, unknown> = {}) => ({
  kind: 'shell',
  command,
  interpreter: 'bash',
  target: { type: 'devices', ids: deviceIds },
  ...extra,
});

async function createTask(body: unknown, as: Session = acme.session, headers: Record<string, string> = {}) {
  const res = await t.call(as, 'POST', `${P()}/tasks`, body, headers);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string; approval: string; counts: Record<string, number>; target_count: number }>();
}

function collect<T extends keyof BusEvents>(topic: T): BusEvents[T][] {
  const seen: BusEvents[T][] = [];
  t.app.ctx.bus.subscribe([topic], (_t, e) => void seen.push(e));
  return seen;
}

describe('signing and delivery (AGT18, security.md 26)', () => {
  it('hands the command key to enrolling agents and signs every run with it', async () => {
    const url = `${P()}/organizations/${acme.organizationId}/sites/${acme.siteId}/enrollment-tokens`;
    const { token } = (await t.call(acme.session, 'POST', url, { name: 'key test' })).json<{ token: string }>();
    const enrolled = await t.app.inject({
      method: 'POST',
      url: '/api/agent/v1/enroll',
      payload: { token, hostname: 'signed-01', agent_version: '0.2.0', protocol_version: 2, os: 'linux', arch: 'x64' },
    });
    expect(enrolled.statusCode, enrolled.body).toBe(201);
    const { command_key, device_id, credential } = enrolled.json();
    expect(command_key.key_id).toMatch(/^[0-9a-f]{16}$/);
    const key = commandPublicKey(command_key.public_key);

    const agent = await CommandAgent.open(base, { credential, deviceId: device_id }, acme.partnerId, key);
    // The run's row is stored before the agent hears of it.
    const rowAtDelivery = new Promise<Record<string, unknown> | undefined>((resolve) =>
      agent.agent.socket.once('message', () => void runRow(agent.commands[0]?.run_id ?? '').then(resolve)),
    );
    const task = await createTask(shell([device_id], 'uname -a'));
    const envelope = await agent.nextCommand();
    expect(envelope).toMatchObject({ partner_id: acme.partnerId, device_id, key_id: command_key.key_id });
    expect(envelope.payload).toMatchObject({ kind: 'script', interpreter: 'bash', script: 'uname -a' });
    expect(envelope.payload_hash).toBe(contentHash(envelope.payload));
    expect(envelope.expires_at).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    expect(await rowAtDelivery).toBeDefined();
    const row = await runRow(envelope.run_id);
    expect(row).toMatchObject({
      task_id: task.id,
      nonce: envelope.nonce,
      signature: envelope.signature,
      payload_hash: envelope.payload_hash,
      key_id: command_key.key_id,
    });
    await until(async () => (await runRow(envelope.run_id)).status === 'sent', 2_000, 'sent');
    agent.close();
  });

  it('runs, streams output (repeats dropped, live on the bus), stores the result once and acknowledges it after storing', async () => {
    const d = await device();
    const agent = await d.connect();
    const outputs = collect('run.output');
    const task = await createTask(shell([d.deviceId], 'for i in 1 2 3; do echo $i; done'));
    const env = await agent.nextCommand();
    agent.accept(env.run_id);
    await until(async () => (await runRow(env.run_id)).status === 'running', 2_000, 'running');
    // As an agent sends it: a few frames at a time, coalesced.
    agent.output(env.run_id, 0, '1\n');
    agent.output(env.run_id, 1, '2\n');
    agent.output(env.run_id, 1, '2\n');
    await until(async () => (await runRow(env.run_id)).stdout === '1\n2\n', 3_000, 'first output stored');
    agent.output(env.run_id, 2, 'oops\n', 'stderr');
    agent.output(env.run_id, 3, '3\n');
    agent.output(env.run_id, 1, '2\n');
    await until(async () => (await runRow(env.run_id)).stdout === '1\n2\n3\n', 3_000, 'live output stored');
    expect((await runRow(env.run_id)).stderr).toBe('oops\n');
    await until(async () => outputs.filter((o) => o.runId === env.run_id).length === 4, 2_000, 'output events');

    // The ack comes only once the result is in the database.
    const ackSeen = agent.ack(env.run_id).then(() => runRow(env.run_id));
    agent.result(env.run_id, { stdout: '1\n2\n3\n', stderr: 'oops\n', exit_code: 0 });
    const atAck = await ackSeen;
    expect(atAck).toMatchObject({ status: 'succeeded', exit_code: 0, stdout: '1\n2\n3\n', result_acked: true });

    // Sent again (the agent missed the ack): stored once, acknowledged again.
    agent.result(env.run_id, { stdout: 'different', status: 'failed', exit_code: 9 });
    await agent.ack(env.run_id);
    expect(await runRow(env.run_id)).toMatchObject({ status: 'succeeded', exit_code: 0, stdout: '1\n2\n3\n' });

    const got = (await t.call(acme.session, 'GET', `${P()}/tasks/${task.id}`)).json();
    expect(got.counts).toMatchObject({ succeeded: 1, queued: 0, running: 0 });
    const run = (await t.call(acme.session, 'GET', `${P()}/runs/${env.run_id}`)).json();
    expect(run).toMatchObject({ status: 'succeeded', stdout: '1\n2\n3\n', hostname: expect.any(String) });
    agent.close();
  });

  it('an offline device gets its run when it connects; an expired one is never delivered and is marked expired', async () => {
    const d = await device();
    const late = await device();
    const task = await createTask(shell([d.deviceId]));
    const expiring = await createTask(shell([late.deviceId], 'echo old', { expiry_hours: 1 }));
    const [run] = await runsOf(task.id);
    const [old] = await runsOf(expiring.id);
    expect(run!.status).toBe('queued');

    const agent = await d.connect();
    const env = await agent.nextCommand();
    expect(env.run_id).toBe(run!.id);

    // Two hours on: the other device's run has expired.
    await t.database.ownerQuery(`update command_runs set expires_at = now() - interval '2 hours' where id = $1`, [old!.id]);
    const lateAgent = await late.connect();
    await new Promise((r) => setTimeout(r, 300));
    expect(lateAgent.commands).toEqual([]);
    await runWatchdog(t.app.ctx);
    expect((await runRow(old!.id)).status).toBe('expired');
    agent.close();
    lateAgent.close();
  });

  it('marks the run failed when the agent refuses it, and audits the refusal', async () => {
    const d = await device();
    const agent = await d.connect();
    await createTask(shell([d.deviceId]));
    const env = await agent.nextCommand();
    agent.agent.send('command.refused', { run_id: env.run_id, reason: 'bad_signature', message: 'signature does not verify' });
    const row = await until(async () => {
      const r = await runRow(env.run_id);
      return r.status === 'failed' ? r : null;
    });
    expect(row.error).toBe('refused by the agent: bad_signature: signature does not verify');
    const audits = await t.database.ownerQuery(
      `select actor_type from audit_events where action = 'command.refused_by_agent' and target_id = $1`,
      [env.run_id],
    );
    expect(audits).toEqual([{ actor_type: 'agent' }]);
    agent.close();
  });

  it('an agent cannot report on another device’s run', async () => {
    const d = await device();
    const other = await device();
    const a = await d.connect();
    const intruder = await other.connect();
    await createTask(shell([d.deviceId]));
    const env = await a.nextCommand();
    // The envelope goes out before the run is marked sent: wait for that, so the check below is about the intruder.
    await until(async () => (await runRow(env.run_id)).status === 'sent', 2_000, 'sent');
    intruder.result(env.run_id, { status: 'failed', stdout: 'forged' });
    intruder.output(env.run_id, 0, 'forged');
    await intruder.ack(env.run_id);
    expect(await runRow(env.run_id)).toMatchObject({ status: 'sent', stdout: '' });
    a.close();
    intruder.close();
  });
});

describe('crashes and the watchdog', () => {
  it('an agent disconnected during output reconnects, gets the run again and its final result is complete', async () => {
    const d = await device();
    let agent = await d.connect();
    await createTask(shell([d.deviceId]));
    const env = await agent.nextCommand();
    agent.accept(env.run_id);
    agent.output(env.run_id, 0, 'part one\n');
    await until(async () => (await runRow(env.run_id)).stdout === 'part one\n');
    agent.close();
    await agent.agent.closed;

    agent = await d.connect();
    const again = await agent.nextCommand();
    expect(again.run_id).toBe(env.run_id);
    expect(again.signature).toBe(env.signature);
    agent.result(env.run_id, { stdout: 'part one\npart two\n' });
    await agent.ack(env.run_id);
    expect(await runRow(env.run_id)).toMatchObject({ status: 'succeeded', stdout: 'part one\npart two\n' });
    agent.close();
  });

  it('a live output chunk racing the result never reopens or extends the finished run', async () => {
    const d = await device();
    const agent = await d.connect();
    await createTask(shell([d.deviceId], 'echo x'));
    const env = await agent.nextCommand();
    agent.accept(env.run_id);
    await until(async () => (await runRow(env.run_id)).status === 'running', 2_000, 'running');
    // Another transaction holds the run (as the result batch does while it stores the result)...
    const locker = new pg.Client({ connectionString: t.database.ownerUrl });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('select 1 from command_runs where id = $1 for update', [env.run_id]);
      // ...while the last chunk's write, which read the run as still running, waits for it...
      agent.output(env.run_id, 0, 'late\n');
      await new Promise((r) => setTimeout(r, 300));
      // ...and the result commits first.
      await locker.query(
        `update command_runs set status = 'succeeded', stdout = 'x\n', exit_code = 0, result_acked = true, finished_at = now()
          where id = $1`,
        [env.run_id],
      );
      await locker.query('commit');
    } finally {
      await locker.end();
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(await runRow(env.run_id)).toMatchObject({ status: 'succeeded', stdout: 'x\n', output_seq: -1 });
    agent.close();
  });

  it('fails a running run with no result past its timeout (controllable clock); a late true result overwrites it', async () => {
    const d = await device();
    const agent = await d.connect();
    await createTask(shell([d.deviceId], 'sleep 1000', { timeout_seconds: 60 }));
    const env = await agent.nextCommand();
    agent.accept(env.run_id);
    await until(async () => (await runRow(env.run_id)).status === 'running');

    // Within timeout + 10 min: left alone.
    expect((await runWatchdog(t.app.ctx, new Date(Date.now() + 60_000 + 9 * 60_000))).failed).toBe(0);
    expect((await runRow(env.run_id)).status).toBe('running');
    await runWatchdog(t.app.ctx, new Date(Date.now() + 60_000 + 11 * 60_000));
    expect(await runRow(env.run_id)).toMatchObject({ status: 'failed', error: 'no result from the agent' });

    agent.result(env.run_id, { status: 'timed_out', exit_code: null, stdout: 'slept' });
    await agent.ack(env.run_id);
    expect(await runRow(env.run_id)).toMatchObject({ status: 'timed_out', stdout: 'slept', error: null });
    agent.close();
  });

  it('expires queued runs only after their expiry and a grace', async () => {
    const d = await device();
    const task = await createTask(shell([d.deviceId], 'echo x', { expiry_hours: 1 }));
    const [run] = await runsOf(task.id);
    await runWatchdog(t.app.ctx, new Date(Date.now() + 3_600_000 + 60_000));
    expect((await runRow(run!.id)).status).toBe('queued');
    await runWatchdog(t.app.ctx, new Date(Date.now() + 3_600_000 + 6 * 60_000));
    expect((await runRow(run!.id)).status).toBe('expired');
  });
});

describe('fan-out approval and the kill switch (security.md 28)', () => {
  it('a task above the threshold waits for another user with commands.approve', async () => {
    const { version } = (await t.call(acme.session, 'GET', `${P()}/command-settings`)).json();
    const put = await t.call(acme.session, 'PUT', `${P()}/command-settings`, {
      version,
      fanout_threshold: 2,
      default_expiry_hours: 24,
    });
    expect(put.statusCode, put.body).toBe(200);
    const devices = await Promise.all([device(), device(), device()]);
    const agents = await Promise.all(devices.map((d) => d.connect()));

    const small = await createTask(shell(devices.slice(0, 2).map((d) => d.deviceId)));
    expect(small.approval).toBe('not_required');
    await Promise.all(agents.slice(0, 2).map((a) => a.nextCommand()));

    const big = await createTask(
      shell(
        devices.map((d) => d.deviceId),
        'echo big',
      ),
    );
    expect(big.approval).toBe('pending');
    await new Promise((r) => setTimeout(r, 300));
    expect(agents.map((a) => a.commands.length)).toEqual([1, 1, 0]);

    const own = await t.call(acme.session, 'POST', `${P()}/tasks/${big.id}/approve`);
    expect(own.statusCode).toBe(403);
    expect(own.json().error.code).toBe('own_task');
    const tech = await secondUser(acme, 'technician');
    expect((await t.call(tech, 'POST', `${P()}/tasks/${big.id}/approve`)).statusCode).toBe(403);

    const admin = await secondUser(acme, 'administrator');
    const approved = await t.call(admin, 'POST', `${P()}/tasks/${big.id}/approve`);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ approval: 'approved', approval_by_name: 'Second' });
    const envs = await Promise.all(agents.map((a) => a.nextCommand()));
    expect(envs.every((e) => e.payload.kind === 'script' && e.payload.script === 'echo big')).toBe(true);

    const rejectMe = await createTask(
      shell(
        devices.map((d) => d.deviceId),
        'echo rejected',
      ),
    );
    const rejected = await t.call(admin, 'POST', `${P()}/tasks/${rejectMe.id}/reject`);
    expect(rejected.json()).toMatchObject({ approval: 'rejected', counts: { cancelled: 3, queued: 0 } });
    const actions = await t.database.ownerQuery<{ action: string }>(
      `select action from audit_events where target_id in ($1, $2) order by id`,
      [big.id, rejectMe.id],
    );
    expect(actions.map((a) => a.action)).toEqual(['task.create', 'task.approve', 'task.create', 'task.reject']);
    agents.forEach((a) => a.close());
    await t.call(acme.session, 'PUT', `${P()}/command-settings`, {
      version: put.json().version,
      fanout_threshold: 50,
      default_expiry_hours: 24,
    });
  });

  it('the kill switch cancels queued and running runs, refuses new tasks until released', async () => {
    const online = await device();
    const offline = await device();
    const agent = await online.connect();
    const task = await createTask(shell([online.deviceId, offline.deviceId], 'sleep 600'));
    const env = await agent.nextCommand();
    agent.accept(env.run_id);
    await until(async () => (await runRow(env.run_id)).status === 'running');

    const halt = await t.call(acme.session, 'POST', `${P()}/command-settings/halt`, { reason: 'incident 42' });
    expect(halt.statusCode, halt.body).toBe(200);
    expect(halt.json()).toMatchObject({ halted: true, halted_reason: 'incident 42' });
    const queued = (await runsOf(task.id)).find((r) => r.device_id === offline.deviceId)!;
    expect((await runRow(queued.id)).status).toBe('cancelled');
    await until(async () => agent.cancels.includes(env.run_id), 2_000, 'command.cancel');
    agent.result(env.run_id, { status: 'cancelled', exit_code: null });
    await agent.ack(env.run_id);
    expect((await runRow(env.run_id)).status).toBe('cancelled');

    const refused = await t.call(acme.session, 'POST', `${P()}/tasks`, shell([online.deviceId]));
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('commands_halted');
    // The offline device, reconnecting, gets nothing.
    const late = await offline.connect();
    await new Promise((r) => setTimeout(r, 300));
    expect(late.commands).toEqual([]);

    expect((await t.call(acme.session, 'POST', `${P()}/command-settings/release`)).json().halted).toBe(false);
    await createTask(shell([online.deviceId]));
    await agent.nextCommand();
    const actions = await t.database.ownerQuery<{ action: string }>(
      `select action from audit_events where action in ('commands.halt', 'commands.release') and tenant_id = $1`,
      [acme.partnerId],
    );
    expect(actions.map((a) => a.action)).toEqual(['commands.halt', 'commands.release']);
    agent.close();
    late.close();
  });
});

describe('parameters and secrets (AUT2, DEV9, security.md 27)', () => {
  it('checks values against the script’s typed parameters', async () => {
    const d = await device();
    const id = await script(acme, [
      param('name', 'string', { required: true }),
      param('count', 'number'),
      param('force', 'boolean'),
      param('mode', 'choice', { choices: ['fast', 'safe'] }),
    ]);
    const run = (parameters: Record<string, unknown>) =>
      t.call(acme.session, 'POST', `${P()}/tasks`, {
        kind: 'script',
        script_id: id,
        parameters,
        target: { type: 'devices', ids: [d.deviceId] },
      });
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'parameters.name'],
      [{ name: 'x', count: 'many' }, 'parameters.count'],
      [{ name: 'x', force: 'yes' }, 'parameters.force'],
      [{ name: 'x', mode: 'reckless' }, 'parameters.mode'],
      [{ name: 'x', unknown: '1' }, 'parameters.unknown'],
      [{ name: '{{device.password}}' }, 'parameters.name'],
    ];
    for (const [parameters, field] of cases) {
      const res = await run(parameters);
      expect(res.statusCode, JSON.stringify(parameters)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'validation_failed', field });
    }
    expect((await run({ name: 'x', count: '3', force: true, mode: 'safe' })).statusCode).toBe(201);
    const missing = await t.call(acme.session, 'POST', `${P()}/tasks`, {
      kind: 'script',
      script_id: '00000000-0000-4000-8000-000000000000',
      target: { type: 'devices', ids: [d.deviceId] },
    });
    expect(missing.statusCode).toBe(404);
  });

  it('passes parameters as argv and env, fills in variables per device, and never shows or stores a secret in clear', async () => {
    const d = await device(acme, 'web-01');
    const agent = await d.connect();
    const SECRET = 'hunter2-s3cr3t-value';
    const nasty = `"; rm -rf / #$(reboot)\`id\``;
    const id = await script(acme, [param('target', 'string'), param('token', 'secret', { required: true })]);
    const task = await createTask({
      kind: 'script',
      script_id: id,
      parameters: { target: `${nasty} on {{device.hostname}} in {{organization.name}}`, token: SECRET },
      target: { type: 'devices', ids: [d.deviceId] },
    });
    expect(task).toMatchObject({ parameters: { token: null } });
    const env = await agent.nextCommand();
    if (env.payload.kind !== 'script') throw new Error('a script payload');
    const expectedTarget = `${nasty} on web-01 in Org of Acme IT`;
    expect(env.payload.args).toEqual([expectedTarget, SECRET]);
    expect(env.payload.env).toMatchObject({
      CLOUDRMM_PARAM_TARGET: expectedTarget,
      CLOUDRMM_PARAM_TOKEN: SECRET,
      CLOUDRMM_DEVICE_ID: d.deviceId,
      CLOUDRMM_DEVICE_HOSTNAME: 'web-01',
      CLOUDRMM_ORGANIZATION_NAME: 'Org of Acme IT',
      CLOUDRMM_SITE_NAME: 'Site of Acme IT',
      CLOUDRMM_PARTNER_ID: acme.partnerId,
    });
    expect(env.payload.script).toBe('echo "$@"');
    agent.result(env.run_id, { stdout: 'done' });
    await agent.ack(env.run_id);

    for (const url of [
      `${P()}/tasks/${task.id}`,
      `${P()}/tasks`,
      `${P()}/runs?task_id=${task.id}`,
      `${P()}/runs/${env.run_id}`,
      `${P()}/audit-events`,
    ]) {
      const res = await t.call(acme.session, 'GET', url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).not.toContain(SECRET);
    }
    const dump = await t.database.ownerQuery<{ text: string }>(
      `select (select string_agg(t::text, ' ') from command_tasks t) || (select string_agg(r::text, ' ') from command_runs r)
              || (select string_agg(a::text, ' ') from audit_events a) as text`,
    );
    expect(dump[0]!.text).not.toContain(SECRET);
    agent.close();
  });
});

describe('history (AUT4, DEV8)', () => {
  it('lists, filters, searches output, cancels, deletes, clears and re-runs', async () => {
    const d = await device();
    const agent = await d.connect();
    const task = await createTask(shell([d.deviceId], 'echo needle'));
    const env = await agent.nextCommand();
    agent.result(env.run_id, { stdout: 'a haystack with a needle-in-it\n' });
    await agent.ack(env.run_id);

    const found = await t.call(acme.session, 'GET', `${P()}/runs?q=needle-in&device_id=${d.deviceId}`);
    expect(found.json().items.map((r: { id: string }) => r.id)).toEqual([env.run_id]);
    expect(found.json().items[0].output_preview).toContain('needle-in-it');
    expect((await t.call(acme.session, 'GET', `${P()}/runs?q=nothing-like-it`)).json().items).toEqual([]);
    expect((await t.call(acme.session, 'GET', `${P()}/runs?status=succeeded&task_id=${task.id}`)).json().items).toHaveLength(1);

    // Re-run the task and the run: new tasks on the same device.
    const again = await t.call(acme.session, 'POST', `${P()}/tasks/${task.id}/rerun`);
    expect(again.statusCode, again.body).toBe(201);
    const rerunEnv = await agent.nextCommand();
    expect(rerunEnv.payload).toEqual(env.payload);
    expect(rerunEnv.run_id).not.toBe(env.run_id);
    const once = await t.call(acme.session, 'POST', `${P()}/runs/${env.run_id}/rerun`);
    expect(once.statusCode, once.body).toBe(201);
    const third = await agent.nextCommand();

    // Cancel: running → command.cancel to the agent; finished → 409.
    agent.accept(third.run_id);
    await until(async () => (await runRow(third.run_id)).status === 'running');
    expect((await t.call(acme.session, 'POST', `${P()}/runs/${third.run_id}/cancel`)).statusCode).toBe(200);
    await until(async () => agent.cancels.includes(third.run_id), 2_000, 'command.cancel');
    expect((await t.call(acme.session, 'POST', `${P()}/runs/${env.run_id}/cancel`)).statusCode).toBe(409);
    // A queued run of an offline device is cancelled at once.
    const offline = await device();
    const queued = await createTask(shell([offline.deviceId]));
    const [q] = await runsOf(queued.id);
    const cancelled = await t.call(acme.session, 'POST', `${P()}/runs/${q!.id}/cancel`);
    expect(cancelled.json().status).toBe('cancelled');

    // Delete one finished run; an unfinished one is a 409.
    expect((await t.call(acme.session, 'DELETE', `${P()}/runs/${third.run_id}`)).statusCode).toBe(409);
    expect((await t.call(acme.session, 'DELETE', `${P()}/runs/${env.run_id}`)).statusCode).toBe(204);
    expect((await t.call(acme.session, 'GET', `${P()}/runs/${env.run_id}`)).statusCode).toBe(404);
    // Clear the device's finished runs.
    agent.result(rerunEnv.run_id, {});
    await agent.ack(rerunEnv.run_id);
    const cleared = await t.call(acme.session, 'POST', `${P()}/runs/clear`, { device_id: d.deviceId });
    expect(cleared.json()).toEqual({ deleted: 1 });
    const left = (await t.call(acme.session, 'GET', `${P()}/runs?device_id=${d.deviceId}`)).json().items;
    expect(left.map((r: { id: string }) => r.id)).toEqual([third.run_id]);
    agent.close();
  });

  it('the same Idempotency-Key returns the same task and starts nothing new', async () => {
    const d = await device();
    const key = { 'idempotency-key': `k-${Math.random()}` };
    const first = await createTask(shell([d.deviceId]), acme.session, key);
    const second = await createTask(shell([d.deviceId]), acme.session, key);
    expect(second.id).toBe(first.id);
    const [{ n }] = (await t.database.ownerQuery<{ n: number }>(
      'select count(*)::int as n from command_runs where device_id = $1',
      [d.deviceId],
    )) as [{ n: number }];
    expect(n).toBe(1);
  });

  it('resolves sites and organizations to their devices, and refuses devices outside the partner', async () => {
    const other = await t.createPartnerWithUser('Other IT');
    const foreign = await device(other);
    const res = await t.call(acme.session, 'POST', `${P()}/tasks`, shell([foreign.deviceId]));
    expect(res.statusCode).toBe(404);
    const empty = await t.tenancy.createSite(
      acme.partnerId,
      acme.organizationId,
      { name: 'Empty' },
      {
        type: 'system',
        id: null,
        label: 'test',
      },
    );
    const none = await t.call(acme.session, 'POST', `${P()}/tasks`, {
      kind: 'reboot',
      target: { type: 'sites', ids: [empty.id] },
    });
    expect(none.statusCode).toBe(422);
    expect(none.json().error.code).toBe('no_targets');
  });
});

describe('tenant isolation (security.md 1)', () => {
  it('another partner cannot see, cancel or delete the runs', async () => {
    const b = await t.createPartnerWithUser('Partner B');
    const d = await device();
    const task = await createTask(shell([d.deviceId]));
    const [run] = await runsOf(task.id);
    const bp = `/api/v1/partners/${b.partnerId}`;
    for (const [method, url] of [
      ['GET', `${bp}/runs/${run!.id}`],
      ['POST', `${bp}/runs/${run!.id}/cancel`],
      ['DELETE', `${bp}/runs/${run!.id}`],
      ['GET', `${bp}/tasks/${task.id}`],
      ['POST', `${bp}/tasks/${task.id}/cancel`],
      ['GET', `${P()}/runs/${run!.id}`],
    ] as const) {
      const res = await t.call(b.session, method, url);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await t.call(b.session, 'GET', `${bp}/runs`)).json().items).toEqual([]);
    expect((await runRow(run!.id)).status).toBe('queued');
  });
});

describe('at scale: scoped lists, result batches (AUT4, AGT9)', () => {
  it('lists a scoped user’s tasks in one query whatever the page size, and its pages are full', async () => {
    const rnd = Math.random().toString(36).slice(2, 8);
    const org = await t.tenancy.createOrganization(acme.partnerId, { name: `Scoped ${rnd}` }, SYSTEM_ACTOR);
    const site = await t.tenancy.createSite(acme.partnerId, org.id, { name: `Scoped site ${rnd}` }, SYSTEM_ACTOR);
    const mine = await enrollTestDevice(t, { partnerId: acme.partnerId, organizationId: org.id, siteId: site.id });
    const theirs = await device();
    const visible: string[] = [];
    const hidden: string[] = [];
    for (let i = 0; i < 12; i++) {
      visible.push((await createTask(shell([mine.deviceId], `echo ${i}`))).id);
      hidden.push((await createTask(shell([theirs.deviceId], `echo hidden ${i}`))).id);
    }
    const email = `scoped-${rnd}@acme.test`;
    const { id: userId } = await createUserWithPassword(t.database.db, {
      email,
      name: 'Scoped',
      password: PASSWORD,
      partnerId: acme.partnerId,
      roleKey: 'technician',
    });
    const [role] = await t.database.ownerQuery<{ id: string }>(`select id from roles where key = 'technician'`);
    await t.database.ownerQuery('delete from role_assignments where user_id = $1', [userId]);
    const assigned = await t.call(acme.session, 'POST', `${P()}/role-assignments`, {
      user_id: userId,
      role_id: role!.id,
      scope_type: 'organization',
      organization_id: org.id,
    });
    expect(assigned.statusCode, assigned.body).toBe(201);
    const scoped = await t.login(email);

    const queries = vi.spyOn(pg.Client.prototype, 'query');
    const list = async (limit: number) => {
      queries.mockClear();
      const res = await t.call(scoped, 'GET', `${P()}/tasks?limit=${limit}`);
      expect(res.statusCode, res.body).toBe(200);
      return { n: queries.mock.calls.length, ids: res.json().items.map((x: { id: string }) => x.id) as string[] };
    };
    try {
      await list(1);
      const two = await list(2);
      const ten = await list(10);
      expect(two.ids).toEqual(visible.slice(-2).reverse());
      expect(ten.ids).toEqual(visible.slice(-10).reverse());
      expect(ten.n).toBe(two.n);
    } finally {
      queries.mockRestore();
    }
    expect((await t.call(scoped, 'GET', `${P()}/tasks/${visible[0]}`)).statusCode).toBe(200);
    expect((await t.call(scoped, 'GET', `${P()}/tasks/${hidden[0]}`)).statusCode).toBe(404);
    // Cancelling needs the permission on every device of the task: a mixed task is refused.
    const mixed = await createTask(shell([mine.deviceId, theirs.deviceId], 'echo mixed'));
    expect((await t.call(scoped, 'POST', `${P()}/tasks/${mixed.id}/cancel`)).statusCode).toBe(403);
    expect((await t.call(scoped, 'POST', `${P()}/tasks/${visible[0]}/cancel`)).statusCode).toBe(200);
    expect((await runsOf(visible[0]!)).map((r) => r.status)).toEqual(['cancelled']);
  });

  it('stores Windows exit codes beyond 2^31 (their signed form) and results with clocks out of range', async () => {
    const devices = await Promise.all([device(), device(), device()]);
    const agents = await Promise.all(devices.map((d) => d.connect()));
    await createTask(shell(devices.map((d) => d.deviceId)));
    const envs = await Promise.all(agents.map((a) => a.nextCommand()));
    // Sent together, so they are stored in one batch.
    agents[0]!.result(envs[0]!.run_id, { status: 'failed', exit_code: 0xc0000005 });
    agents[1]!.result(envs[1]!.run_id, { exit_code: 0, stdout: 'fine' });
    agents[2]!.result(envs[2]!.run_id, { status: 'failed', exit_code: 2 ** 40, started_at: 9e15, finished_at: 9e15 });
    await Promise.all(agents.map((a, i) => a.ack(envs[i]!.run_id)));
    expect(await runRow(envs[0]!.run_id)).toMatchObject({ status: 'failed', exit_code: -1073741819 });
    expect(await runRow(envs[1]!.run_id)).toMatchObject({ status: 'succeeded', exit_code: 0, stdout: 'fine' });
    const odd = await runRow(envs[2]!.run_id);
    expect(odd).toMatchObject({ status: 'failed', exit_code: null });
    expect(Math.abs(Date.parse(odd.finished_at as string) - Date.now())).toBeLessThan(60_000);
    agents.forEach((a) => a.close());
  });

  it('a result claimed by another agent for the same run never pushes the true result out of its batch', async () => {
    const d = await device();
    const other = await device();
    const busy = await Promise.all([device(), device()]);
    const a = await d.connect();
    const intruder = await other.connect();
    const holders = await Promise.all(busy.map((b) => b.connect()));
    await createTask(shell([d.deviceId, ...busy.map((b) => b.deviceId)]));
    const env = await a.nextCommand();
    const held = await Promise.all(holders.map((h) => h.nextCommand()));
    await until(async () => (await runRow(env.run_id)).status === 'sent', 2_000, 'sent');
    // Two result batches in flight, held by a lock on their runs: what comes next is stored together.
    const locker = new pg.Client({ connectionString: t.database.ownerUrl });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('select 1 from command_runs where id = any($1::uuid[]) for update', [held.map((h) => h.run_id)]);
      holders.forEach((h, i) => h.result(held[i]!.run_id, {}));
      await new Promise((r) => setTimeout(r, 200));
      // The true result and, right behind it in the same batch, a forged one for the same run id.
      a.result(env.run_id, { stdout: 'true result' });
      intruder.result(env.run_id, { status: 'failed', stdout: 'forged' });
      await new Promise((r) => setTimeout(r, 200));
      await locker.query('commit');
    } finally {
      await locker.end();
    }
    await Promise.all([a.ack(env.run_id), intruder.ack(env.run_id), ...holders.map((h, i) => h.ack(held[i]!.run_id))]);
    expect(await runRow(env.run_id)).toMatchObject({ status: 'succeeded', stdout: 'true result' });
    [a, intruder, ...holders].forEach((x) => x.close());
  });

  it('a batch the database refuses is halved until the bad item is found: the others are stored', async () => {
    const written: number[] = [];
    const refused = Object.assign(new Error('integer out of range'), { code: '22003' });
    const write = async (items: number[]) => {
      if (items.includes(13)) throw refused;
      written.push(...items);
    };
    const items = Array.from({ length: 40 }, (_, i) => i);
    const outcome = await isolating(items, write);
    expect(outcome.filter(Boolean)).toEqual([refused]);
    expect(outcome[13]).toBe(refused);
    expect(written.sort((x, y) => x - y)).toEqual(items.filter((i) => i !== 13));
    // The database away is nobody's fault in particular: everything fails at once, no storm of retries.
    const calls: number[][] = [];
    const down = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    const all = await isolating(items, async (part) => {
      calls.push(part);
      throw down;
    });
    expect(all.every((e) => e === down)).toBe(true);
    expect(calls).toHaveLength(1);
    expect([0xc0000005, 2 ** 32, -1, 2 ** 31 - 1, null].map(storableExitCode)).toEqual([
      -1073741819,
      null,
      -1,
      2 ** 31 - 1,
      null,
    ]);
  });
});
