// IAM6 in a real browser: a partner user makes an API key scoped to one
// organization, the key shown once is read off the page and used by this test
// against the API, then revoked in the dashboard. Screenshots go to test-results/e2e/.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenancyService } from '../apps/server/src/modules/tenancy/index.js';
import { SYSTEM_ACTOR } from '../apps/server/src/platform/audit/audit.js';
import { createUserWithPassword } from '../apps/server/src/platform/auth/users.js';
import { launchBrowser, screenshot, watchConsole } from './support/browser.js';
import { buildDashboard, startE2eServer, type E2eServer } from './support/server.js';

let server: E2eServer;
let browser: Browser;
let page: Page;
let consoleProblems: string[];
let partnerId: string;
let contosoId: string;
let secret: string;
const email = 'owner@northwind.test';

/** A call from this test, as a script would make it: only the key, no cookie. */
async function withKey(key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  const webDir = await buildDashboard();
  server = await startE2eServer(webDir);
  const tenancy = new TenancyService(server.database.db);
  partnerId = (await tenancy.createPartner({ name: 'Northwind MSP' }, SYSTEM_ACTOR)).id;
  contosoId = (await tenancy.createOrganization(partnerId, { name: 'Contoso Ltd' }, SYSTEM_ACTOR)).id;
  await tenancy.createOrganization(partnerId, { name: 'Fabrikam Inc' }, SYSTEM_ACTOR);
  await createUserWithPassword(server.database.db, {
    email,
    name: 'Nora Owner',
    password: server.password,
    partnerId,
    roleKey: 'owner',
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  consoleProblems = watchConsole(page);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('API keys', () => {
  it('finds the API keys page in the user menu', async () => {
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(server.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/organizations$/);
    await page.getByRole('button', { name: /User menu/ }).click();
    await page.getByRole('menuitem', { name: 'API keys' }).click();
    await page.waitForURL(/\/me\/api-keys$/);
    await expect.poll(() => page.getByText('No API keys yet').count()).toBeGreaterThan(0);
    await screenshot(page, 'api-keys-01-empty');
  });

  it('creates a key for one organization and shows it once', async () => {
    await page.getByRole('button', { name: 'New API key' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Contoso reporting');
    await dialog.getByLabel('Expires').selectOption('30');
    await dialog.getByLabel('One organization').check();
    await dialog.getByLabel('Organization', { exact: true }).selectOption({ label: 'Contoso Ltd' });
    await dialog.getByRole('checkbox', { name: /organizations\.view/ }).check();
    await dialog.getByRole('checkbox', { name: /sites\.view/ }).check();
    await screenshot(page, 'api-keys-02-create');
    await dialog.getByRole('button', { name: 'Create key' }).click();

    const shown = page.getByTestId('api-key-secret');
    await shown.waitFor();
    secret = (await shown.textContent())!.trim();
    expect(secret).toMatch(/^crmm_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(await page.getByText('You will not see this key again').count()).toBe(1);
    await screenshot(page, 'api-keys-03-shown-once');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await expect.poll(() => page.getByRole('cell', { name: /Contoso reporting/ }).count()).toBe(1);
    // Gone from the page for good: only the public prefix remains.
    expect(await page.content()).not.toContain(secret);
  });

  it('the key works from a script, only within its organization and permissions', async () => {
    const orgs = await withKey(secret, 'GET', `/partners/${partnerId}/organizations`);
    expect(orgs.status).toBe(200);
    expect((orgs.body.items as { name: string }[]).map((o) => o.name)).toEqual(['Contoso Ltd']);
    expect((await withKey(secret, 'GET', `/partners/${partnerId}/organizations/${contosoId}/sites`)).status).toBe(200);
    expect(
      (await withKey(secret, 'POST', `/partners/${partnerId}/organizations/${contosoId}/sites`, { name: 'Not allowed' })).status,
    ).toBe(403);

    await page.reload();
    await expect.poll(() => page.getByText('from 127.0.0.1').count()).toBe(1);
    await screenshot(page, 'api-keys-04-used');
  });

  it('revokes the key after confirmation; it stops working at once', async () => {
    await page.getByRole('button', { name: 'Revoke' }).click();
    const confirm = page.getByRole('dialog');
    await expect.poll(() => confirm.textContent()).toContain('Contoso reporting');
    await screenshot(page, 'api-keys-05-revoke-confirm');
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => page.getByText('Revoked', { exact: true }).count()).toBe(1);
    const refused = await withKey(secret, 'GET', `/partners/${partnerId}/organizations`);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: { code: 'not_authenticated', message: 'API key revoked' } });
    await screenshot(page, 'api-keys-06-revoked');
  });

  it('had no console errors or CSP violations', () => {
    // the sign-in page's session probe answers 401 before signing in
    expect(consoleProblems.filter((p) => !/401/.test(p))).toEqual([]);
  });

  it('the partner owner sees the users’ keys on the partner’s API keys page and revokes one there', async () => {
    // A second key, made through the API as the signed-in owner.
    const made = await page.evaluate(async (pid) => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrf_token: string };
      const res = await fetch('/api/v1/me/api-keys', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
        body: JSON.stringify({
          name: 'Partner sync',
          permissions: ['organizations.view'],
          scope_type: 'partner',
          partner_id: pid,
        }),
      });
      return { status: res.status, body: (await res.json()) as { secret: string } };
    }, partnerId);
    expect(made.status).toBe(201);
    const partnerKey = made.body.secret;
    expect((await withKey(partnerKey, 'GET', `/partners/${partnerId}/organizations`)).status).toBe(200);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await page.waitForURL(new RegExp(`/partners/${partnerId}/api-keys$`));
    await expect.poll(() => page.getByRole('cell', { name: 'Partner sync' }).count()).toBe(1);
    expect(await page.getByRole('cell', { name: 'Contoso reporting' }).count()).toBe(1);
    expect(await page.getByRole('cell', { name: email }).count()).toBe(2);

    await page.getByLabel('Status').selectOption('active');
    await page.waitForURL(/[?&]status=active/);
    await expect.poll(() => page.getByRole('cell', { name: 'Partner sync' }).count()).toBe(1);
    expect(await page.getByRole('cell', { name: 'Contoso reporting' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Revoke' }).click();
    const confirm = page.getByRole('dialog');
    await expect.poll(() => confirm.textContent()).toContain('Partner sync');
    expect(await confirm.textContent()).toContain(email);
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => page.getByText('No active API keys').count()).toBe(1);

    const refused = await withKey(partnerKey, 'GET', `/partners/${partnerId}/organizations`);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: { code: 'not_authenticated', message: 'API key revoked' } });

    await page.getByLabel('Status').selectOption('');
    await expect.poll(() => page.getByRole('table').getByText('Revoked', { exact: true }).count()).toBe(2);
    await screenshot(page, 'api-keys-07-partner-admin');
    expect(consoleProblems.filter((p) => !/401/.test(p))).toEqual([]);
  });
});
