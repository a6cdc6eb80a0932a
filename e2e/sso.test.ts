// IAM7 in a real browser, against a real identity provider (oidc-provider on
// another origin): a partner's single sign-on is configured on its settings page,
// a new person signs in through the provider's login page and lands in the
// dashboard provisioned with the default role, and "require single sign-on"
// takes the password away. Screenshots go to test-results/e2e/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../apps/server/test/support/test-idp.js';
import { launchBrowser, screenshot } from './support/browser.js';
import { buildDashboard, startE2eServer, type E2eServer } from './support/server.js';

const DOMAIN = 'contoso-sso.test';
/** Every poll here waits on a server or the identity provider. */
const WAIT = { timeout: 10_000 };
const PERSON = `alex.doe@${DOMAIN}`;

let server: E2eServer;
let idp: TestIdp;
let browser: Browser;
let admin: BrowserContext;
let page: Page;
let partnerId: string;
let consoleProblems: string[];

beforeAll(async () => {
  const webDir = await buildDashboard();
  server = await startE2eServer(webDir);
  // "localhost" while CloudRMM is 127.0.0.1: the provider is another site, as in real life.
  idp = await startTestIdp({ redirectUris: [`${server.url}/api/v1/auth/sso/callback`], host: 'localhost' });
  browser = await launchBrowser();
  admin = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  page = await admin.newPage();
  consoleProblems = watchConsole(page);
}, 180_000);

/**
 * Console errors and CSP violations of CloudRMM's pages. The identity provider's
 * own pages are not ours to judge, and a signed-out visitor's session probe
 * answers 401 by design.
 */
function watchConsole(p: Page): string[] {
  const problems: string[] = [];
  p.on('console', (m) => {
    if (m.type() !== 'error' || m.location().url.startsWith(idp.issuer) || p.url().startsWith(idp.issuer)) return;
    if (/status of 401/.test(m.text())) return;
    problems.push(m.text());
  });
  p.on('pageerror', (e) => problems.push(e.message));
  return problems;
}

afterAll(async () => {
  await browser?.close();
  await idp?.close();
  await server?.close();
});

/** A visitor's own browser: no cookies of the admin's. */
async function visitor(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await context.newPage();
  return { context, page: p, problems: watchConsole(p) };
}

describe('single sign-on', () => {
  it('is configured and tested on the partner’s settings page', async () => {
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Email').fill(server.adminEmail);
    await page.getByLabel('Password').fill(server.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/partners$/);
    const session = await (await page.request.get(`${server.url}/api/v1/auth/session`)).json();
    const created = await page.request.post(`${server.url}/api/v1/partners`, {
      data: { name: 'Contoso MSP' },
      headers: { 'x-csrf-token': session.csrf_token, origin: server.url },
    });
    expect(created.status()).toBe(201);
    partnerId = (await created.json()).id;

    await page.goto(`${server.url}/partners/${partnerId}/sso`);
    await expect.poll(() => page.getByRole('heading', { name: 'Single sign-on' }).count(), WAIT).toBe(1);
    await page.getByLabel('Issuer URL').fill(idp.issuer);
    await page.getByLabel('Client ID').fill(idp.clientId);
    await page.getByLabel('Client secret').fill(idp.clientSecret);
    await page.getByLabel('Allowed email domains').fill(DOMAIN);
    await page.getByLabel('Role for new people').selectOption({ label: 'Technician' });
    await page.getByLabel('Allow single sign-on').check();

    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByText(`Found the identity provider ${idp.issuer}`).count(), WAIT).toBe(1);
    await screenshot(page, 'sso-01-settings-tested');

    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByText('Single sign-on settings saved').count(), WAIT).toBeGreaterThan(0);
    await page.reload();
    // The secret is stored, never shown: the field reads "Set".
    await expect.poll(() => page.getByRole('button', { name: 'Replace' }).count(), WAIT).toBe(1);
    expect(await page.content()).not.toContain(idp.clientSecret);
    await expect.poll(() => page.getByRole('link', { name: 'Single sign-on' }).count(), WAIT).toBe(1);
    await screenshot(page, 'sso-02-settings-saved');
  });

  it('signs a new person in through the identity provider, provisioned with the default role', async () => {
    const v = await visitor();
    await v.page.goto(`${server.url}/login`);
    await v.page.getByLabel('Email').fill(PERSON);
    const button = v.page.getByRole('link', { name: 'Continue with single sign-on' });
    await expect.poll(() => button.count(), WAIT).toBe(1);
    expect(await v.page.getByLabel('Password').count()).toBe(1); // optional, not required
    await screenshot(v.page, 'sso-03-login-offers-sso');

    await button.click();
    await v.page.waitForURL((url) => url.origin === idp.issuer);
    await v.page.locator('input[name="password"]').fill('anything the provider accepts');
    await v.page.locator('input[name="login"]').fill(PERSON);
    await screenshot(v.page, 'sso-04-identity-provider');
    await v.page.getByRole('button', { name: 'Sign-in' }).click();

    await v.page.waitForURL(new RegExp(`^${server.url}/partners/${partnerId}/organizations`));
    await expect.poll(() => v.page.getByRole('button', { name: /User menu/ }).textContent(), WAIT).toContain(PERSON);
    await screenshot(v.page, 'sso-05-signed-in');

    const me = await (await v.page.request.get(`${server.url}/api/v1/auth/session`)).json();
    expect(me.user).toMatchObject({ email: PERSON, partner_id: partnerId });
    const rows = await server.database.ownerQuery<{
      tenant_id: string;
      password_hash: string | null;
      role: string;
      scope_type: string;
    }>(
      `select u.tenant_id, u.password_hash, r.key as role, ra.scope_type
         from users u join role_assignments ra on ra.user_id = u.id join roles r on r.id = ra.role_id
        where u.email = $1`,
      [PERSON],
    );
    expect(rows).toEqual([{ tenant_id: partnerId, password_hash: null, role: 'technician', scope_type: 'partner' }]);
    expect(v.problems).toEqual([]);
    await v.context.close();
  });

  it('sends someone outside the allowed domains back to sign-in with the reason', async () => {
    const v = await visitor();
    await v.page.goto(`${server.url}/login`);
    await v.page.getByLabel('Email').fill(`someone@${DOMAIN}`);
    await v.page.getByRole('link', { name: 'Continue with single sign-on' }).click();
    await v.page.waitForURL((url) => url.origin === idp.issuer);
    await v.page.locator('input[name="login"]').fill('mallory@elsewhere.test');
    await v.page.locator('input[name="password"]').fill('x');
    await v.page.getByRole('button', { name: 'Sign-in' }).click();
    await v.page.waitForURL(/\/login\?error=sso_domain/);
    await expect.poll(() => v.page.getByText('Your email domain is not allowed').count(), WAIT).toBe(1);
    await screenshot(v.page, 'sso-06-domain-refused');
    expect(await server.database.ownerQuery(`select id from users where email = 'mallory@elsewhere.test'`)).toEqual([]);
    await v.context.close();
  });

  it('once required, hides the password for the partner’s domain', async () => {
    await page.goto(`${server.url}/partners/${partnerId}/sso`);
    await page.getByLabel('Require single sign-on').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByText('Required', { exact: true }).count(), WAIT).toBeGreaterThan(0);
    await screenshot(page, 'sso-07-required');

    const v = await visitor();
    await v.page.goto(`${server.url}/login`);
    await v.page.getByLabel('Email').fill(`someone.else@${DOMAIN}`);
    await expect.poll(() => v.page.getByText('Your organization signs in with single sign-on.').count(), WAIT).toBe(1);
    expect(await v.page.getByLabel('Password').count()).toBe(0);
    expect(await v.page.getByRole('button', { name: 'Sign in' }).count()).toBe(0);
    await screenshot(v.page, 'sso-08-login-sso-required');
    // The server refuses the password anyway, whatever the page shows.
    const res = await v.page.request.post(`${server.url}/api/v1/auth/login`, {
      data: { email: PERSON, password: 'whatever it is' },
    });
    expect(res.status()).toBe(403);
    expect(v.problems).toEqual([]);
    await v.context.close();
  });

  it('had no console errors on the admin’s pages', () => {
    expect(consoleProblems).toEqual([]);
  });
});
