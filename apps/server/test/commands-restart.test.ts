// AGT9, AGT18: the command key survives restarts and concurrent first starts; a run survives a server restart.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { CommandKey, commandKeyOf } from '../src/platform/signing/index.js';
import { SecretBox } from '../src/platform/secrets.js';
import { CommandAgent, commandPublicKey, enrollTestDevice, wsBase } from './support/agents.js';
import { createTestApp, testConfig, type PartnerFixture, type TestApp } from './support/app.js';

const secrets = new SecretBox(randomBytes(32));
let t: TestApp;
let acme: PartnerFixture;

beforeAll(async () => {
  t = await createTestApp({ secrets });
  acme = await t.createPartnerWithUser('Acme IT');
});
afterAll(() => t.close());

describe('the command key', () => {
  it('is made once, encrypted, even when several processes start at once', async () => {
    await t.database.ownerQuery('delete from command_signing_keys');
    const keys = await Promise.all(Array.from({ length: 5 }, () => CommandKey.load(t.database.db, secrets)));
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
    const rows = await t.database.ownerQuery<{ key_id: string; private_key_encrypted: string }>(
      'select key_id, private_key_encrypted from command_signing_keys',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key_id).toBe(keys[0]!.keyId);
    expect(rows[0]!.private_key_encrypted).toMatch(/^v1:/);
    // Loaded again later: the same key.
    expect((await CommandKey.load(t.database.db, secrets)).keyId).toBe(keys[0]!.keyId);
  });
});

describe('a server restart mid-run', () => {
  it('the agent reconnects to the new server, delivers its result, and the run succeeds', async () => {
    const key = commandPublicKey((await commandKeyOf({ db: t.database.db, secrets })).publicInfo.public_key);
    const d = await enrollTestDevice(t, acme);
    const first = await t.app.listen({ host: '127.0.0.1', port: 0 });
    let agent = await CommandAgent.open(wsBase(first), d, acme.partnerId, key);
    const res = await t.call(acme.session, 'POST', `/api/v1/partners/${acme.partnerId}/tasks`, {
      kind: 'shell',
      command: 'sleep 5; echo done',
      target: { type: 'devices', ids: [d.deviceId] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const env = await agent.nextCommand();
    agent.accept(env.run_id);
    for (let i = 0; i < 100; i++) {
      const [row] = await t.database.ownerQuery('select status from command_runs where id = $1', [env.run_id]);
      if (row!.status === 'running') break;
      await new Promise((r) => setTimeout(r, 20));
    }

    await t.app.close();
    await agent.agent.closed;

    const second = await buildApp({ config: testConfig(), db: t.database.db, log: pino({ level: 'silent' }), secrets });
    try {
      const url = await second.listen({ host: '127.0.0.1', port: 0 });
      agent = await CommandAgent.open(wsBase(url), d, acme.partnerId, key);
      // Still running as far as the new server knows: it resends the envelope; the agent reports.
      const again = await agent.nextCommand();
      expect(again.run_id).toBe(env.run_id);
      agent.result(env.run_id, { stdout: 'done\n' });
      await agent.ack(env.run_id);
      const [row] = await t.database.ownerQuery('select status, stdout from command_runs where id = $1', [env.run_id]);
      expect(row).toEqual({ status: 'succeeded', stdout: 'done\n' });
      agent.close();
    } finally {
      await second.close();
    }
  });
});
