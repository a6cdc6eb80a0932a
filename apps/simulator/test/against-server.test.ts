// The simulator against the real server: enrollment, the agent socket and presence, end to end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type PartnerFixture, type TestApp } from '../../server/test/support/app.js';
import { startSimulation } from '../src/simulation.js';

let t: TestApp;
let partner: PartnerFixture;
let server: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudrmm-sim-e2e-'));

beforeAll(async () => {
  t = await createTestApp();
  partner = await t.createPartnerWithUser('Simulated MSP');
  server = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function onlineCount(): Promise<number> {
  const res = await t.call(
    partner.session,
    'GET',
    `/api/v1/partners/${partner.partnerId}/devices?status=online&limit=100&include_total=true`,
  );
  expect(res.statusCode).toBe(200);
  return res.json<{ total: number }>().total;
}

describe('simulated agents against a real server', () => {
  it('50 agents enroll with a token, connect, and show online; a rerun reconnects the same devices', async () => {
    const { partnerId, organizationId, siteId } = partner;
    const created = await t.call(
      partner.session,
      'POST',
      `/api/v1/partners/${partnerId}/organizations/${organizationId}/sites/${siteId}/enrollment-tokens`,
      { name: 'simulator', max_uses: 100 },
    );
    expect(created.statusCode).toBe(201);
    const options = {
      server,
      agents: 50,
      token: created.json<{ token: string }>().token,
      stateFile: path.join(dir, 'state.json'),
      software: { min: 20, max: 60 },
      log: () => {},
    };

    const first = await startSimulation(options);
    await expect.poll(() => first.stats().welcomed, { timeout: 60_000 }).toBe(50);
    await expect.poll(() => first.stats().inventory_acks, { timeout: 60_000 }).toBe(50);
    await expect.poll(onlineCount, { timeout: 30_000 }).toBe(50);
    const stats = await first.stop();
    expect(stats).toMatchObject({ enrolled_now: 50, inventories: 50, inventory_failures: 0, errors: 0 });
    await expect.poll(onlineCount, { timeout: 30_000 }).toBe(0);

    // The device list shows what the simulated agents reported.
    const list = await t.call(partner.session, 'GET', `/api/v1/partners/${partnerId}/devices?limit=100&include_total=true`);
    const devices = list.json<{ items: { hostname: string; platform: string }[]; total: number }>();
    expect(devices.total).toBe(50);
    expect(new Set(devices.items.map((d) => d.hostname)).size).toBe(50);
    expect(new Set(devices.items.map((d) => d.platform)).size).toBeGreaterThan(1);

    const second = await startSimulation(options);
    await expect.poll(() => second.stats().welcomed, { timeout: 60_000 }).toBe(50);
    await expect.poll(onlineCount, { timeout: 30_000 }).toBe(50);
    const again = await second.stop();
    // Same credentials, and the server already holds every inventory: nothing is enrolled or resent.
    expect(again).toMatchObject({ enrolled_now: 0, inventories: 0, errors: 0 });
    const total = await t.call(partner.session, 'GET', `/api/v1/partners/${partnerId}/devices?limit=1&include_total=true`);
    expect(total.json<{ total: number }>().total).toBe(50);
  });
});
