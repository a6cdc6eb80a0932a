// IAM1, IAM8 in a real browser with real mail: an administrator invites a
// technician for one organization from the Users page, the invitation arrives
// at an SMTP server, the invitee opens the link in their own browser, chooses a
// password and lands in the dashboard; suspension ends their session at once,
// and "Forgot password?" works end to end. Screenshots go to test-results/e2e/.
import fs from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenancyService } from '../apps/server/src/modules/tenancy/index.js';
import { SYSTEM_ACTOR } from '../apps/server/src/platform/audit/audit.js';
import { linkToken, startTestSmtp, type TestSmtp } from '../apps/server/test/support/smtp.js';
import { launchBrowser, screenshot } from './support/browser.js';
import { buildDashboard, startE2eServer, type E2eServer } from './support/server.js';

const INVITEE = 'grace.hopper@northwind.test';
const INVITEE_PASSWORD = 'cobol compiles the navy 1959';

let server: E2eServer;
let smtp: TestSmtp;
let browser: Browser;
let admin: BrowserContext;
let page: Page;
let invitee: { context: BrowserContext; page: Page; problems: string[] };
let partnerId: string;
let consoleProblems: string[];

/**
 * Console errors and CSP violations. By design: a signed-out browser's session
 * probe answers 401, and the used-up invitation link this test opens again 410.
 */
function watchConsole(p: Page): string[] {
  const problems: string[] = [];
  p.on('console', (m) => {
    if (m.type() === 'error' && !/status of (401|410)/.test(m.text())) problems.push(m.text());
  });
  p.on('pageerror', (e) => problems.push(e.message));
  return problems;
}

beforeAll(async () => {
  smtp = await startTestSmtp();
  const webDir = await buildDashboard();
  server = await startE2eServer(webDir, { smtpUrl: smtp.url, smtpFrom: 'Northwind RMM <rmm@northwind.test>' });
  const tenancy = new TenancyService(server.database.db);
  const partner = await tenancy.createPartner({ name: 'Northwind MSP' }, SYSTEM_ACTOR);
  partnerId = partner.id;
  const contoso = await tenancy.createOrganization(partnerId, { name: 'Contoso Ltd' }, SYSTEM_ACTOR);
  await tenancy.createOrganization(partnerId, { name: 'Fabrikam Inc' }, SYSTEM_ACTOR);
  await tenancy.createSite(partnerId, contoso.id, { name: 'Head Office' }, SYSTEM_ACTOR);
  browser = await launchBrowser();
  admin = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await admin.newPage();
  consoleProblems = watchConsole(page);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
});

const usersUrl = () => `${server.url}/partners/${partnerId}/users`;

describe('users', () => {
  it('an administrator invites a technician for one organization', async () => {
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Email').fill(server.adminEmail);
    await page.getByLabel('Password').fill(server.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/partners$/);

    await page.goto(usersUrl());
    await expect.poll(() => page.getByRole('heading', { name: 'Users' }).count()).toBe(1);
    await expect.poll(() => page.getByText('No users yet — invite the first one').count()).toBe(1);
    await screenshot(page, 'users-01-empty');

    await page.getByRole('button', { name: 'Invite user' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Email').fill(INVITEE);
    await dialog.getByLabel('Name').fill('Grace Hopper');
    await dialog.getByLabel('Role', { exact: true }).selectOption({ label: 'Technician' });
    await dialog.getByLabel('One organization').check();
    await dialog.getByLabel('Organization', { exact: true }).selectOption({ label: 'Contoso Ltd' });
    await screenshot(page, 'users-02-invite-dialog');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();

    await expect.poll(() => page.getByText(`Invitation sent to ${INVITEE}`).count()).toBeGreaterThan(0);
    const row = page.getByRole('row', { name: /Grace Hopper/ });
    await expect.poll(() => row.getByText('Invited').count()).toBe(1);
    await expect.poll(() => row.getByText('Technician').count()).toBe(1);
    await expect.poll(() => row.getByText('Contoso Ltd').count()).toBe(1);
    await screenshot(page, 'users-03-invited');
  });

  it('the invitee follows the emailed link in their own browser, chooses a password and is signed in', async () => {
    const mail = await smtp.waitFor(INVITEE);
    expect(mail.subject).toBe('You are invited to Northwind MSP on CloudRMM');
    const token = linkToken(mail, 'invite');
    expect(mail.text).toContain(`${server.url}/invite/${token}`);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await context.newPage();
    invitee = { context, page: p, problems: watchConsole(p) };
    await p.goto(`${server.url}/invite/${token}`);
    await expect.poll(() => p.getByRole('heading', { name: 'Join Northwind MSP' }).count()).toBe(1);
    expect(await p.getByLabel('Your name').inputValue()).toBe('Grace Hopper');

    // Too short first: the page says why before asking the server.
    await p.getByLabel('Password', { exact: true }).fill('short');
    await p.getByLabel('Repeat the password').fill('short');
    await p.getByRole('button', { name: 'Activate account' }).click();
    await expect.poll(() => p.getByText('Use at least 12 characters.').count()).toBe(1);
    await screenshot(p, 'users-04-invitation-page');

    await p.getByLabel('Password', { exact: true }).fill(INVITEE_PASSWORD);
    await p.getByLabel('Repeat the password').fill(INVITEE_PASSWORD);
    await p.getByRole('button', { name: 'Activate account' }).click();
    await p.waitForURL(new RegExp(`/partners/${partnerId}/organizations`));
    await expect.poll(() => p.getByRole('button', { name: /User menu/ }).textContent()).toContain('Grace Hopper');
    // Technician of Contoso: sees Contoso, not Fabrikam.
    await expect.poll(() => p.getByRole('link', { name: 'Contoso Ltd' }).count()).toBeGreaterThan(0);
    expect(await p.getByText('Fabrikam Inc').count()).toBe(0);
    await screenshot(p, 'users-05-invitee-signed-in');

    // The link was used up.
    await p.goto(`${server.url}/invite/${token}`);
    await expect.poll(() => p.getByRole('heading', { name: 'This invitation cannot be used' }).count()).toBe(1);
    await p.goto(`${server.url}/partners/${partnerId}/organizations`);
  });

  it('the administrator sees the user active with their role, filters, and exports CSV', async () => {
    await page.reload();
    const row = page.getByRole('row', { name: /Grace Hopper/ });
    await expect.poll(() => row.getByText('Active').count()).toBe(1);
    await expect.poll(() => row.getByRole('listitem').textContent()).toMatch(/Technician.*Contoso Ltd/);

    await page.getByLabel('Status').selectOption({ label: 'Invited' });
    await page.waitForURL(/status=invited/);
    await expect.poll(() => page.getByText('No users match these filters').count()).toBe(1);
    await page.getByLabel('Status').selectOption({ label: 'Active' });
    await expect.poll(() => page.getByRole('row', { name: /Grace Hopper/ }).count()).toBe(1);
    await screenshot(page, 'users-06-active-filtered');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^users-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await fs.readFile((await download.path())!, 'utf8');
    expect(csv).toContain(`"Grace Hopper","${INVITEE}","active","Technician · Contoso Ltd"`);
  });

  it('the user’s page adds and removes a role', async () => {
    await page.getByRole('link', { name: 'Grace Hopper' }).click();
    await page.waitForURL(/\/users\/[0-9a-f-]{36}$/);
    const roles = page.getByRole('list', { name: /Roles of Grace Hopper/ });
    await expect.poll(() => roles.getByRole('listitem').count()).toBe(1);

    await page.getByRole('button', { name: 'Add role' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Role', { exact: true }).selectOption({ label: 'ReadOnly' });
    await dialog.getByLabel('One site').check();
    await dialog.getByLabel('Organization', { exact: true }).selectOption({ label: 'Contoso Ltd' });
    await dialog.getByLabel('Site', { exact: true }).selectOption({ label: 'Head Office' });
    await dialog.getByRole('button', { name: 'Add role' }).click();
    await expect.poll(() => roles.getByRole('listitem').count()).toBe(2);
    await expect.poll(() => roles.textContent()).toContain('Contoso Ltd › Head Office');
    await screenshot(page, 'users-07-user-page');

    await page.getByRole('button', { name: 'Remove ReadOnly at Contoso Ltd › Head Office' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => roles.getByRole('listitem').count()).toBe(1);
    await page.goto(usersUrl());
  });

  it('suspending from the row menu ends the invitee’s session at once; reactivating lets them back', async () => {
    await page.getByLabel('Status').selectOption({ label: 'Any' });
    await page.getByRole('button', { name: `Actions for Grace Hopper (${INVITEE})` }).click();
    await page.getByRole('menuitem', { name: 'Suspend' }).click();
    const confirm = page.getByRole('dialog');
    await expect.poll(() => confirm.textContent()).toContain(`Grace Hopper (${INVITEE})`);
    await screenshot(page, 'users-08-confirm-suspend');
    await confirm.getByRole('button', { name: 'Suspend' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('row', { name: /Grace Hopper/ })
          .getByText('Suspended')
          .count(),
      )
      .toBe(1);

    // Her open dashboard is sent to sign-in on its next request.
    await invitee.page.reload();
    await invitee.page.waitForURL(/\/login/);
    await screenshot(invitee.page, 'users-09-suspended-signed-out');

    await page.getByRole('button', { name: `Actions for Grace Hopper (${INVITEE})` }).click();
    await page.getByRole('menuitem', { name: 'Reactivate' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('row', { name: /Grace Hopper/ })
          .getByText('Active')
          .count(),
      )
      .toBe(1);
  });

  it('“Forgot password?” sends a link that sets a new password', async () => {
    const p = invitee.page;
    await p.goto(`${server.url}/login`);
    await p.getByRole('link', { name: 'Forgot password?' }).click();
    await p.waitForURL(/\/forgot-password$/);
    const since = smtp.received.length;
    await p.getByLabel('Email').fill(INVITEE);
    await p.getByRole('button', { name: 'Send reset link' }).click();
    await expect.poll(() => p.getByText('If that address has an account, a link is on its way').count()).toBe(1);
    await screenshot(p, 'users-10-reset-requested');

    const token = linkToken(await smtp.waitFor(INVITEE, { since }), 'reset-password');
    await p.goto(`${server.url}/reset-password/${token}`);
    await p.getByLabel('New password', { exact: true }).fill('a second strong passphrase');
    await p.getByLabel('Repeat the new password').fill('a second strong passphrase');
    await p.getByRole('button', { name: 'Set new password' }).click();
    await expect.poll(() => p.getByRole('heading', { name: 'Password changed' }).count()).toBe(1);
    await p.getByRole('link', { name: 'Sign in' }).click();
    await p.getByLabel('Email').fill(INVITEE);
    await p.getByLabel('Password').fill('a second strong passphrase');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(new RegExp(`/partners/${partnerId}/organizations`));

    await p.getByRole('button', { name: /User menu/ }).click();
    await p.getByRole('menuitem', { name: 'My account' }).click();
    await p.waitForURL(/\/me$/);
    await expect.poll(() => p.getByLabel('Name', { exact: true }).inputValue()).toBe('Grace Hopper');
    await screenshot(p, 'users-11-my-account');
  });

  it('had no console errors or CSP violations', () => {
    expect(consoleProblems).toEqual([]);
    expect(invitee.problems).toEqual([]);
  });
});
