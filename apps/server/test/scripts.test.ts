// AUT1, AUT2, AUT6: the script library — typed parameters, edit history, platform-published scripts.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptForRun } from '../src/modules/scripts/index.js';
import { normalizeParameters } from '../src/modules/scripts/scripts.validation.js';
import { createUserWithPassword, type SystemRoleKey } from '../src/platform/auth/users.js';
import { createTestApp, PASSWORD, type PartnerFixture, type Session, type TestApp } from './support/app.js';

const run = promisify(execFile);

let t: TestApp;
let acme: PartnerFixture;
let other: PartnerFixture;

beforeAll(async () => {
  t = await createTestApp();
  acme = await t.createPartnerWithUser('Acme IT');
  other = await t.createPartnerWithUser('Other MSP');
});
afterAll(() => t.close());

const S = (f: PartnerFixture = acme) => `/api/v1/partners/${f.partnerId}/scripts`;

interface ScriptJson {
  id: string;
  owner: 'partner' | 'platform';
  name: string;
  category: string;
  language: string;
  target_os: string[];
  body: string;
  parameters: { name: string; label: string; type: string; required: boolean; default: unknown; choices: string[] }[];
  version: number;
  copied_from: string | null;
  updated_by_name: string | null;
}

const sample = (over: Record<string, unknown> = {}) => ({
  name: 'Rotate logs',
  description: 'Compresses old logs',
  category: 'Maintenance',
  language: 'bash',
  target_os: ['linux'],
  body: '#!/usr/bin/env bash\nset -eu\nfind "$CLOUDRMM_PARAM_LOG_DIR" -name "*.log" -mtime +"$CLOUDRMM_PARAM_DAYS" -exec gzip {} +\n',
  parameters: [
    { name: 'log_dir', label: 'Log folder', type: 'string', required: true, default: '/var/log/{{device.hostname}}' },
    { name: 'days', type: 'number', default: 14 },
    { name: 'verbose', type: 'boolean', default: false },
    { name: 'mode', type: 'choice', choices: ['gzip', 'xz'], default: 'gzip' },
    { name: 'api_token', type: 'secret', required: true },
  ],
  default_timeout_seconds: 120,
  run_as: 'system',
  ...over,
});

async function events(partnerId: string, action: string) {
  return t.database.ownerQuery<{ action: string; target_id: string; before: unknown; after: unknown }>(
    'select action, target_id, before, after from audit_events where tenant_id = $1 and action = $2 order by seq',
    [partnerId, action],
  );
}

async function userWithRole(f: PartnerFixture, roleKey: SystemRoleKey, scope?: { organization_id: string }): Promise<Session> {
  const email = `${roleKey}-${Math.random().toString(36).slice(2, 8)}@scripts.test`;
  const { id } = await createUserWithPassword(t.database.db, {
    email,
    name: roleKey,
    password: PASSWORD,
    partnerId: f.partnerId,
    roleKey,
  });
  if (scope) {
    const [role] = await t.database.ownerQuery<{ id: string }>(`select id from roles where key = $1`, [roleKey]);
    await t.database.ownerQuery('delete from role_assignments where user_id = $1', [id]);
    const res = await t.call(f.session, 'POST', `/api/v1/partners/${f.partnerId}/role-assignments`, {
      user_id: id,
      role_id: role!.id,
      scope_type: 'organization',
      ...scope,
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  return t.login(email);
}

describe('platform-published scripts (AUT6)', () => {
  it('every partner sees them, read-only, with owner "platform"', async () => {
    for (const f of [acme, other]) {
      const res = await t.call(f.session, 'GET', `${S(f)}?limit=500`);
      expect(res.statusCode, res.body).toBe(200);
      const platform = (res.json().items as ScriptJson[]).filter((s) => s.owner === 'platform');
      expect(platform.map((s) => s.name)).toEqual(
        expect.arrayContaining([
          'Disk space report',
          'Clear temporary files older than N days',
          'List listening ports',
          'Restart a service',
          'System uptime and load',
          'Python environment report',
          'Windows: restart a service',
          'Windows: disk cleanup',
        ]),
      );
    }
    const own = (await t.call(acme.session, 'GET', `${S()}?include_platform=false`)).json();
    expect(own.items.every((s: ScriptJson) => s.owner === 'partner')).toBe(true);
  });

  it('filters by language, OS, category and search, and pages with a cursor', async () => {
    const list = async (query: string) =>
      ((await t.call(acme.session, 'GET', `${S()}?${query}`)).json().items as ScriptJson[]).filter((s) => s.owner === 'platform');
    expect((await list('language=powershell')).map((s) => s.name).sort()).toEqual([
      'Windows: disk cleanup',
      'Windows: restart a service',
    ]);
    const windows = await list('os=win32');
    expect(windows.every((s) => s.target_os.includes('win32'))).toBe(true);
    expect(windows.map((s) => s.name)).toContain('Python environment report');
    expect((await list('category=storage')).map((s) => s.name)).toEqual(['Disk space report']);
    expect((await list('q=SERVICE')).map((s) => s.name).sort()).toEqual(['Restart a service', 'Windows: restart a service']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.call(acme.session, 'GET', `${S()}?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const page: { items: ScriptJson[]; next_cursor: string | null } = res.json();
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.next_cursor;
    } while (cursor);
    const all = (await t.call(acme.session, 'GET', `${S()}?limit=500`)).json().items as ScriptJson[];
    expect(seen).toEqual(all.map((s) => s.id));
    expect(new Set(seen).size).toBe(seen.length);

    expect((await t.call(acme.session, 'GET', `${S()}?os=windows`)).statusCode).toBe(400);
    expect((await t.call(acme.session, 'GET', `${S()}?cursor=nonsense`)).statusCode).toBe(400);
  });

  it('cannot be edited or deleted (403 read_only, saying to copy), but can be copied', async () => {
    const disk = ((await t.call(acme.session, 'GET', `${S()}?q=Disk space`)).json().items as ScriptJson[]).find(
      (s) => s.owner === 'platform',
    )!;
    const got = await t.call(acme.session, 'GET', `${S()}/${disk.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({ owner: 'platform', language: 'bash', version: 1 });

    const patched = await t.call(acme.session, 'PATCH', `${S()}/${disk.id}`, { version: 1, body: 'rm -rf /' });
    expect(patched.statusCode).toBe(403);
    expect(patched.json().error.code).toBe('read_only');
    expect(patched.json().error.message).toMatch(/copy it/);
    const deleted = await t.call(acme.session, 'DELETE', `${S()}/${disk.id}`);
    expect(deleted.statusCode).toBe(403);
    expect(deleted.json().error.code).toBe('read_only');
    const [row] = await t.database.ownerQuery('select body, deleted_at from scripts where id = $1', [disk.id]);
    expect(row).toMatchObject({ deleted_at: null });
    expect(row!.body).toBe(disk.body);

    const copy = await t.call(acme.session, 'POST', `${S()}/${disk.id}/copy`, {});
    expect(copy.statusCode, copy.body).toBe(201);
    const mine: ScriptJson = copy.json();
    expect(mine).toMatchObject({
      owner: 'partner',
      name: 'Disk space report (copy)',
      copied_from: disk.id,
      body: disk.body,
      parameters: disk.parameters,
      version: 1,
    });
    // the copy is the partner's own: editable, with its own history
    const edited = await t.call(acme.session, 'PATCH', `${S()}/${mine.id}`, { version: 1, category: 'Mine' });
    expect(edited.statusCode, edited.body).toBe(200);
    expect((await t.call(acme.session, 'GET', `${S()}/${mine.id}/versions`)).json()).toHaveLength(2);
    const bare = await t.call(acme.session, 'POST', `${S()}/${disk.id}/copy`);
    expect(bare.statusCode, bare.body).toBe(201);
    const named = await t.call(acme.session, 'POST', `${S()}/${disk.id}/copy`, { name: 'Our disk report' });
    expect(named.json()).toMatchObject({ name: 'Our disk report', owner: 'partner' });
    // the other partner does not see Acme's copies
    const others = (await t.call(other.session, 'GET', `${S(other)}?limit=500`)).json().items as ScriptJson[];
    expect(others.find((s) => s.id === mine.id)).toBeUndefined();
    expect(others.filter((s) => s.owner === 'partner')).toEqual([]);

    const [copied] = await events(acme.partnerId, 'script.copy');
    expect(copied).toMatchObject({ target_id: mine.id, after: expect.objectContaining({ copied_from: disk.id }) });
  });

  it('lists categories of the partner and the platform', async () => {
    const res = await t.call(acme.session, 'GET', `${S()}/categories`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual(expect.arrayContaining(['Diagnostics', 'Maintenance', 'Network', 'Services', 'Storage']));
    expect(res.json()).not.toContain('');
  });

  it('are valid scripts: parameters pass the library’s rules, reach the body only as env/argv, and parse', async () => {
    const rows = await t.database.ownerQuery<ScriptJson & { parameters: ScriptJson['parameters'] }>(
      'select * from scripts where tenant_id is null',
    );
    expect(rows.length).toBeGreaterThanOrEqual(8);
    const versions = await t.database.ownerQuery<{ script_id: string }>(
      'select script_id from script_versions where tenant_id is null and version = 1',
    );
    expect(versions.map((v) => v.script_id).sort()).toEqual(rows.map((r) => r.id).sort());
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'platform-scripts-'));
    try {
      for (const s of rows) {
        expect(normalizeParameters(s.parameters as never)).toEqual(s.parameters);
        expect(s.body, s.name).not.toContain('{{');
        for (const p of s.parameters)
          expect(s.body, `${s.name} uses ${p.name}`).toContain(`CLOUDRMM_PARAM_${p.name.toUpperCase()}`);
        const file = path.join(dir, `${s.id}.${s.language}`);
        await fs.writeFile(file, s.body);
        if (s.language === 'bash') await run('bash', ['-n', file]);
        if (s.language === 'sh') await run('sh', ['-n', file]);
        if (s.language === 'python') await run('python3', ['-m', 'py_compile', file]);
      }

      // Run the portable ones for real, parameters from the environment as the agent passes them.
      const byName = new Map(rows.map((r) => [r.name, r]));
      const exec = async (name: string, interpreter: string, env: Record<string, string>, args: string[] = []) => {
        const file = path.join(dir, `${byName.get(name)!.id}.${byName.get(name)!.language}`);
        return run(interpreter, [file, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }).catch(
          (e: { code: number; stdout: string; stderr: string }) => e,
        );
      };
      const uptime = await exec('System uptime and load', 'sh', {});
      expect(uptime.stdout).toMatch(/Load: +\d/);
      const disk = await exec('Disk space report', 'bash', { CLOUDRMM_PARAM_THRESHOLD_PERCENT: '1' });
      expect(disk.stdout).toContain('== At or above 1% ==');
      expect((disk as { code?: number }).code).toBe(1);
      const badThreshold = await exec('Disk space report', 'bash', { CLOUDRMM_PARAM_THRESHOLD_PERCENT: '$(id)' });
      expect((badThreshold as { code?: number }).code).toBe(2);
      expect(badThreshold.stderr).toContain('threshold_percent must be');
      const python = await exec('Python environment report', 'python3', { CLOUDRMM_PARAM_INCLUDE_PACKAGES: 'false' });
      expect(python.stdout).toMatch(/Python: +3\./);
      expect(python.stdout).not.toContain('Installed packages');
      // argv, in parameter order, when the environment does not carry it
      const byArgv = await exec('Disk space report', 'bash', {}, ['1']);
      expect(byArgv.stdout).toContain('== At or above 1% ==');
      const service = await exec('Restart a service', 'bash', { CLOUDRMM_PARAM_SERVICE_NAME: 'nginx; reboot' });
      expect(service.stderr).toContain('not a service name');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a partner’s own scripts (AUT1)', () => {
  it('creates a script with normalised parameters and its first history row, audited', async () => {
    const res = await t.call(acme.session, 'POST', S(), sample());
    expect(res.statusCode, res.body).toBe(201);
    const s: ScriptJson = res.json();
    expect(s).toMatchObject({ owner: 'partner', name: 'Rotate logs', version: 1, copied_from: null, updated_by_name: 'Tech' });
    expect(s.parameters).toEqual([
      {
        name: 'log_dir',
        label: 'Log folder',
        type: 'string',
        required: true,
        default: '/var/log/{{device.hostname}}',
        choices: [],
        description: '',
      },
      { name: 'days', label: 'days', type: 'number', required: false, default: 14, choices: [], description: '' },
      { name: 'verbose', label: 'verbose', type: 'boolean', required: false, default: false, choices: [], description: '' },
      { name: 'mode', label: 'mode', type: 'choice', required: false, default: 'gzip', choices: ['gzip', 'xz'], description: '' },
      { name: 'api_token', label: 'api_token', type: 'secret', required: true, default: null, choices: [], description: '' },
    ]);
    const history = (await t.call(acme.session, 'GET', `${S()}/${s.id}/versions`)).json();
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ version: 1, body: s.body, edited_by_name: 'Tech', parameters: s.parameters });
    const [created] = (await events(acme.partnerId, 'script.create')).filter((e) => e.target_id === s.id);
    expect(created!.after).toMatchObject({ name: 'Rotate logs', language: 'bash' });
    const defaults = await t.call(acme.session, 'POST', S(), {
      name: 'Minimal',
      language: 'sh',
      target_os: ['linux', 'darwin'],
      body: 'uptime',
    });
    expect(defaults.json()).toMatchObject({
      description: '',
      category: '',
      parameters: [],
      default_timeout_seconds: 300,
      run_as: 'system',
    });
  });

  it('edits with the version it read: each save is a history row; a stale version is 409', async () => {
    const s: ScriptJson = (await t.call(acme.session, 'POST', S(), sample({ name: 'Edit me' }))).json();
    const v2 = await t.call(acme.session, 'PATCH', `${S()}/${s.id}`, { version: 1, body: 'echo two', name: 'Edited' });
    expect(v2.statusCode, v2.body).toBe(200);
    expect(v2.json()).toMatchObject({ version: 2, body: 'echo two', name: 'Edited', category: 'Maintenance' });
    const stale = await t.call(acme.session, 'PATCH', `${S()}/${s.id}`, { version: 1, body: 'echo lost' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({ code: 'conflict', field: 'version' });
    const v3 = await t.call(acme.session, 'PATCH', `${S()}/${s.id}`, {
      version: 2,
      parameters: [{ name: 'target', type: 'string' }],
    });
    expect(v3.json()).toMatchObject({ version: 3, body: 'echo two' });

    const history = (await t.call(acme.session, 'GET', `${S()}/${s.id}/versions`)).json();
    expect(history.map((h: { version: number; body: string }) => [h.version, h.body])).toEqual([
      [3, 'echo two'],
      [2, 'echo two'],
      [1, s.body],
    ]);
    expect(history[0].parameters.map((p: { name: string }) => p.name)).toEqual(['target']);
    expect(history[2].parameters).toHaveLength(5);

    const updates = (await events(acme.partnerId, 'script.update')).filter((e) => e.target_id === s.id);
    expect(updates).toHaveLength(2);
    expect(updates[0]).toMatchObject({
      before: expect.objectContaining({ name: 'Edit me', version: 1 }),
      after: expect.objectContaining({ name: 'Edited', body: 'echo two', version: 2 }),
    });
  });

  it('deletes softly: gone from the API, history kept, audited', async () => {
    const s: ScriptJson = (await t.call(acme.session, 'POST', S(), sample({ name: 'Delete me' }))).json();
    expect((await t.call(acme.session, 'DELETE', `${S()}/${s.id}`)).statusCode).toBe(204);
    expect((await t.call(acme.session, 'GET', `${S()}/${s.id}`)).statusCode).toBe(404);
    expect((await t.call(acme.session, 'PATCH', `${S()}/${s.id}`, { version: 1, name: 'x' })).statusCode).toBe(404);
    expect((await t.call(acme.session, 'GET', `${S()}?q=Delete me`)).json().items).toEqual([]);
    expect(await t.database.ownerQuery('select 1 from script_versions where script_id = $1', [s.id])).toHaveLength(1);
    expect((await events(acme.partnerId, 'script.delete')).map((e) => e.target_id)).toContain(s.id);
  });

  it('refuses bad scripts with a 400 that names the problem', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [
        {
          parameters: [
            { name: 'a', type: 'string' },
            { name: 'a', type: 'number' },
          ],
        },
        'parameters.1.name',
        /used twice/,
      ],
      [{ parameters: [{ name: 'Log-Dir', type: 'string' }] }, 'parameters.0.name', /lower-case letter/],
      [{ parameters: [{ name: '1st', type: 'string' }] }, 'parameters.0.name', /lower-case letter/],
      [{ parameters: [{ name: 'mode', type: 'choice' }] }, 'parameters.0.choices', /at least one choice/],
      [
        { parameters: [{ name: 'mode', type: 'choice', choices: ['a', 'b'], default: 'c' }] },
        'parameters.0.default',
        /one of its choices/,
      ],
      [{ parameters: [{ name: 'mode', type: 'choice', choices: ['a', 'b'] }] }, 'parameters.0.default', /one of its choices/],
      [{ parameters: [{ name: 'mode', type: 'choice', choices: ['a', 'a'], default: 'a' }] }, 'parameters.0.choices', /twice/],
      [
        { parameters: [{ name: 'password', type: 'secret', default: 'hunter2' }] },
        'parameters.0.default',
        /may not have a default.*stored in clear/,
      ],
      [{ parameters: [{ name: 'n', type: 'number', default: '5' }] }, 'parameters.0.default', /must be a number/],
      [{ parameters: [{ name: 'b', type: 'boolean', default: 'yes' }] }, 'parameters.0.default', /true or false/],
      [{ parameters: [{ name: 's', type: 'string', choices: ['x'] }] }, 'parameters.0.choices', /only choice parameters/],
      [{ language: 'cmd', target_os: ['win32', 'linux'] }, 'target_os', /only on Windows/],
      [{ language: 'bash', target_os: ['win32'] }, 'target_os', /do not run on Windows/],
      [{ language: 'ruby' }, 'language', /./],
      [{ target_os: [] }, 'target_os', /./],
      [{ name: '   ' }, 'name', /./],
      [{ body: '' }, 'body', /./],
      [{ default_timeout_seconds: 0 }, 'default_timeout_seconds', /./],
      [{ owner: 'platform' }, 'owner', /not a known field/],
    ];
    for (const [over, field, message] of cases) {
      const res = await t.call(acme.session, 'POST', S(), sample(over));
      expect(res.statusCode, JSON.stringify(over)).toBe(400);
      expect(res.json().error, JSON.stringify(over)).toMatchObject({ code: 'validation_failed', field });
      expect(res.json().error.message, JSON.stringify(over)).toMatch(message);
    }
    // PowerShell runs everywhere (pwsh), Python too
    for (const language of ['powershell', 'python']) {
      const ok = await t.call(
        acme.session,
        'POST',
        S(),
        sample({ name: `Any ${language}`, language, target_os: ['linux', 'win32'] }),
      );
      expect(ok.statusCode, ok.body).toBe(201);
    }
    // an edit is checked against the merged script
    const s: ScriptJson = (await t.call(acme.session, 'POST', S(), sample({ name: 'Merge check' }))).json();
    const merged = await t.call(acme.session, 'PATCH', `${S()}/${s.id}`, { version: 1, target_os: ['win32'] });
    expect(merged.statusCode).toBe(400);
    expect(merged.json().error.field).toBe('target_os');
  });
});

describe('isolation and permissions', () => {
  it('another partner gets 404 for Acme’s scripts, whichever path it uses', async () => {
    const s: ScriptJson = (await t.call(acme.session, 'POST', S(), sample({ name: 'Acme only' }))).json();
    for (const [method, url, body] of [
      ['GET', `${S(other)}/${s.id}`],
      ['GET', `${S(other)}/${s.id}/versions`],
      ['PATCH', `${S(other)}/${s.id}`, { version: 1, name: 'stolen' }],
      ['DELETE', `${S(other)}/${s.id}`],
      ['POST', `${S(other)}/${s.id}/copy`, {}],
      ['GET', `${S(acme)}/${s.id}`],
    ] as const) {
      const res = await t.call(other.session, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.body).not.toContain('Acme only');
    }
    expect((await t.call(other.session, 'GET', `${S(other)}?q=Acme`)).json().items).toEqual([]);
    const [row] = await t.database.ownerQuery('select name, version, deleted_at from scripts where id = $1', [s.id]);
    expect(row).toEqual({ name: 'Acme only', version: 1, deleted_at: null });
  });

  it('a technician scoped to one organization reads the library but cannot change it; read-only users read', async () => {
    const s: ScriptJson = (await t.call(acme.session, 'POST', S(), sample({ name: 'Partner-wide' }))).json();
    const scoped = await userWithRole(acme, 'technician', { organization_id: acme.organizationId });
    expect((await t.call(scoped, 'GET', S())).statusCode).toBe(200);
    expect((await t.call(scoped, 'GET', `${S()}/${s.id}`)).statusCode).toBe(200);
    const refused = await t.call(scoped, 'POST', S(), sample({ name: 'Scoped' }));
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain('scripts.manage');
    expect((await t.call(scoped, 'PATCH', `${S()}/${s.id}`, { version: 1, name: 'x' })).statusCode).toBe(403);

    const readonly = await userWithRole(acme, 'readonly');
    expect((await t.call(readonly, 'GET', `${S()}/${s.id}/versions`)).statusCode).toBe(200);
    expect((await t.call(readonly, 'POST', `${S()}/${s.id}/copy`, {})).statusCode).toBe(403);
    expect((await t.call(readonly, 'DELETE', `${S()}/${s.id}`)).statusCode).toBe(403);

    const technician = await userWithRole(acme, 'technician');
    const created = await t.call(technician, 'POST', S(), sample({ name: 'By a technician' }));
    expect(created.statusCode, created.body).toBe(201);
  });
});

describe('scriptForRun', () => {
  it('gives the current version of a visible script, and null for deleted or foreign ones', async () => {
    const s: ScriptJson = (await t.call(acme.session, 'POST', S(), sample({ name: 'For run' }))).json();
    await t.call(acme.session, 'PATCH', `${S()}/${s.id}`, { version: 1, body: 'echo v2' });
    const got = await t.database.db.withTenant(acme.partnerId, (tx) => scriptForRun(tx, s.id));
    expect(got).toEqual({
      id: s.id,
      name: 'For run',
      language: 'bash',
      body: 'echo v2',
      parameters: s.parameters,
      default_timeout_seconds: 120,
      run_as: 'system',
      version: 2,
      target_os: ['linux'],
    });
    expect(await t.database.db.withTenant(other.partnerId, (tx) => scriptForRun(tx, s.id))).toBeNull();
    const [platform] = await t.database.ownerQuery<{ id: string }>(`select id from scripts where tenant_id is null limit 1`);
    expect(await t.database.db.withTenant(other.partnerId, (tx) => scriptForRun(tx, platform!.id))).toMatchObject({
      id: platform!.id,
      version: 1,
    });
    await t.call(acme.session, 'DELETE', `${S()}/${s.id}`);
    expect(await t.database.db.withTenant(acme.partnerId, (tx) => scriptForRun(tx, s.id))).toBeNull();
  });
});
