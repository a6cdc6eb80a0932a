// AGT9, AUT1, AUT2 in a real browser: a technician opens the device page of a
// machine running the real agent, runs a library script with a parameter from
// the "Run script" dialog, and watches its output arrive on the run page over
// the live socket while the script is still running; and a custom field
// defined and filled in the dashboard reaches a command (DEV9). Screenshots go
// to test-results/e2e/.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenancyService } from '../apps/server/src/modules/tenancy/index.js';
import { SYSTEM_ACTOR } from '../apps/server/src/platform/audit/audit.js';
import { createUserWithPassword } from '../apps/server/src/platform/auth/users.js';
import { RealAgent, signIn, waitOnline, type Api } from './support/agent.js';
import { launchBrowser, screenshot, watchConsole } from './support/browser.js';
import { buildDashboard, startE2eServer, type E2eServer } from './support/server.js';

let server: E2eServer;
let browser: Browser;
let page: Page;
let consoleProblems: string[];
let api: Api;
let agent: RealAgent;
let partnerId: string;
let deviceId: string;
const email = 'tech@live-output.test';
let rebootMarker: string;
/** Frames the dashboard's live socket received, by event type. */
const liveFrames: Record<string, number> = {};

beforeAll(async () => {
  const webDir = await buildDashboard();
  server = await startE2eServer(webDir);
  const tenancy = new TenancyService(server.database.db);
  partnerId = (await tenancy.createPartner({ name: 'Live Output MSP' }, SYSTEM_ACTOR)).id;
  const org = await tenancy.createOrganization(partnerId, { name: 'Fabrikam' }, SYSTEM_ACTOR);
  const site = await tenancy.createSite(partnerId, org.id, { name: 'Main Office' }, SYSTEM_ACTOR);
  await createUserWithPassword(server.database.db, {
    email,
    name: 'Tia Tech',
    password: server.password,
    partnerId,
    roleKey: 'owner',
  });
  api = await signIn(server.url, email, server.password);
  const token = await api<{ token: string }>(
    'POST',
    `/partners/${partnerId}/organizations/${org.id}/sites/${site.id}/enrollment-tokens`,
    { name: 'browser', max_uses: 1 },
  );
  agent = await RealAgent.create();
  deviceId = await agent.enroll(server.url, token.json.token);
  // A reboot from the dashboard must not reboot the machine running the tests: it touches a file instead.
  rebootMarker = path.join(os.tmpdir(), `cloudrmm-rebooted-${process.pid}`);
  await fs.rm(rebootMarker, { force: true });
  agent.start({ CLOUDRMM_AGENT_REBOOT_COMMAND: `touch ${rebootMarker}` });
  await waitOnline(api, partnerId, deviceId, agent);

  const made = await api('POST', `/partners/${partnerId}/scripts`, {
    name: 'Count slowly',
    description: 'Prints one line a second',
    category: 'Diagnostics',
    language: 'bash',
    target_os: ['linux'],
    body: 'for i in 1 2 3 4 5 6; do echo "$CLOUDRMM_PARAM_WORD $i"; sleep 1; done\necho "done on $(hostname)"\n',
    parameters: [{ name: 'word', label: 'Word', type: 'string', required: true }],
    default_timeout_seconds: 60,
    run_as: 'system',
  });
  if (made.status !== 201) throw new Error(`could not create the script: ${JSON.stringify(made.json)}`);

  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  consoleProblems = watchConsole(page);
  page.on('websocket', (ws) =>
    ws.on('framereceived', (frame) => {
      try {
        const type = (JSON.parse(String(frame.payload)) as { type?: string }).type ?? '?';
        liveFrames[type] = (liveFrames[type] ?? 0) + 1;
      } catch {
        // not JSON
      }
    }),
  );
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(server.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/organizations$/);
  // The sign-in page's session probe answers 401 by design; from here on nothing may fail.
  consoleProblems.length = 0;
}, 180_000);

afterAll(async () => {
  await agent?.dispose();
  if (rebootMarker) await fs.rm(rebootMarker, { force: true });
  await browser?.close();
  await server?.close();
});

describe('running a script from the dashboard', () => {
  it('runs a library script on the local device and shows its output live, as it is produced', async () => {
    await page.goto(`${server.url}/partners/${partnerId}/devices/${deviceId}`);
    await page.getByRole('button', { name: 'Run script' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Run script' });
    await dialog.getByLabel('Script').selectOption({ label: 'Count slowly (Bash)' });
    // Shell metacharacters are just text to the script.
    await dialog.getByLabel('Word').fill('tick;$(id)');
    await dialog.getByRole('button', { name: 'Run script' }).click();

    // One device: the dashboard goes straight to the run.
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/, { timeout: 15_000 });
    const stdout = page.getByTestId('run-stdout');
    // Part of the output is on the page while the script still runs...
    await expect
      .poll(
        async () => {
          const text = (await stdout.textContent()) ?? '';
          return text.includes('tick;$(id) 2') && !text.includes('done on');
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe(true);
    await expect.poll(() => page.getByTestId('run-status').first().textContent()).toBe('Running');
    await screenshot(page, 'run-live-output');
    // ...and the rest follows without a reload, then the final state.
    await expect.poll(() => stdout.textContent(), { timeout: 20_000 }).toContain('done on');
    await expect.poll(() => page.getByTestId('run-status').first().textContent(), { timeout: 10_000 }).toBe('Succeeded');
    expect(await stdout.textContent()).toBe(
      [1, 2, 3, 4, 5, 6].map((i) => `tick;$(id) ${i}\n`).join('') + `done on ${os.hostname()}\n`,
    );
    // It came over the live socket, chunk by chunk.
    expect(liveFrames['run.output'] ?? 0).toBeGreaterThanOrEqual(2);
    expect(consoleProblems).toEqual([]);
  }, 90_000);

  it('lists the run in the device history with its status', async () => {
    await page.goto(`${server.url}/partners/${partnerId}/devices/${deviceId}`);
    await page.getByRole('tab', { name: 'History' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Count slowly' });
    await expect.poll(() => row.count()).toBe(1);
    await expect.poll(() => row.textContent()).toContain('Succeeded');
  });

  it('a custom field defined and filled in the dashboard reaches a command as CLOUDRMM_CUSTOM_<NAME> (DEV9)', async () => {
    await page.goto(`${server.url}/partners/${partnerId}/custom-fields`);
    await page.getByRole('button', { name: 'New device field' }).click();
    const define = page.getByRole('dialog', { name: 'New device field' });
    await define.getByLabel('Label').fill('Asset tag');
    await define.getByLabel('Name in scripts').fill('asset_tag');
    await define.getByRole('button', { name: 'Create field' }).click();
    await expect.poll(() => page.getByRole('cell', { name: 'asset_tag' }).count()).toBe(1);

    await page.goto(`${server.url}/partners/${partnerId}/devices/${deviceId}`);
    const card = page.getByRole('region', { name: 'Custom fields' });
    await card.getByRole('button', { name: 'Edit' }).click();
    const values = page.getByRole('dialog', { name: /^Custom fields of / });
    // Agent-style hostile text stays text all the way to the script's environment.
    await values.getByLabel('Asset tag').fill('AT-0042 $(id)');
    await values.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => card.textContent()).toContain('AT-0042 $(id)');

    await page.getByRole('button', { name: 'Run command' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Run command' });
    await dialog.getByLabel('Command').fill('echo "tag=$CLOUDRMM_CUSTOM_ASSET_TAG"');
    await dialog.getByRole('button', { name: 'Run command' }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/, { timeout: 15_000 });
    await expect.poll(() => page.getByTestId('run-status').first().textContent(), { timeout: 20_000 }).toBe('Succeeded');
    expect(await page.getByTestId('run-stdout').textContent()).toBe('tag=AT-0042 $(id)\n');
    expect(consoleProblems).toEqual([]);
  }, 60_000);

  it('bulk actions from the device list: tags the selected device, then reboots it (DEV4)', async () => {
    await page.goto(`${server.url}/partners/${partnerId}/devices`);
    const select = page.getByRole('checkbox', { name: `Select ${os.hostname()}` });
    await select.check();
    const bar = page.getByRole('region', { name: 'Bulk actions' });
    await expect.poll(() => bar.getByRole('status').textContent()).toBe('1 device selected');

    await bar.getByRole('button', { name: 'Tags' }).click();
    const tags = page.getByRole('dialog', { name: `Tags of ${os.hostname()}` });
    await tags.getByLabel('Add tags').fill('Servers, backup-nightly');
    await tags.getByRole('button', { name: 'Apply' }).click();
    await expect
      .poll(async () => (await api<{ tags: string[] }>('GET', `/partners/${partnerId}/devices/${deviceId}`)).json.tags)
      .toEqual(['backup-nightly', 'servers']);

    if (!(await select.isChecked())) await select.check();
    await bar.getByRole('button', { name: 'Reboot' }).click();
    const confirm = page.getByRole('dialog', { name: 'Reboot this device?' });
    await confirm.getByRole('button', { name: 'Reboot' }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/, { timeout: 15_000 });
    await expect.poll(() => page.getByTestId('run-status').first().textContent(), { timeout: 20_000 }).toBe('Succeeded');
    // The agent ran its reboot command (here: the override the test gave it).
    await expect
      .poll(() =>
        fs.stat(rebootMarker).then(
          () => true,
          () => false,
        ),
      )
      .toBe(true);
    expect(consoleProblems).toEqual([]);
  }, 60_000);

  it('the script library filters by language and target OS (AUT1)', async () => {
    await page.goto(`${server.url}/partners/${partnerId}/scripts`);
    const ours = page.getByRole('link', { name: 'Count slowly' });
    await expect.poll(() => ours.count()).toBe(1);
    await page.getByRole('combobox', { name: 'Language' }).selectOption({ label: 'Python' });
    await expect.poll(() => ours.count()).toBe(0);
    await page.getByRole('combobox', { name: 'Language' }).selectOption({ label: 'Any language' });
    await expect.poll(() => ours.count()).toBe(1);
    await page.getByRole('combobox', { name: 'Target OS' }).selectOption({ label: 'Windows' });
    await expect.poll(() => ours.count()).toBe(0);
    expect(consoleProblems).toEqual([]);
  });
});
