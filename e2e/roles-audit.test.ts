// IAM4 and IAM9 in a real browser: a custom role made in the role editor, the
// audit log showing its creation with the details, filters in the URL, the
// CSV export, chain verification, a refused delete, and permissions the
// signed-in user does not hold. Screenshots go to test-results/e2e/.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserWithPassword } from '../apps/server/src/platform/auth/users.js';
import { launchBrowser, screenshot, watchConsole } from './support/browser.js';
import { buildDashboard, startE2eServer, type E2eServer } from './support/server.js';

let server: E2eServer;
let browser: Browser;
let page: Page;
let consoleProblems: string[];
let partnerId: string;
let roleId: string;

/** Pages wait on a real server and database: give them time on a busy machine. */
const WAIT = { timeout: 15_000 };

/** A JSON call from inside the signed-in page: the session cookie and the CSRF header, as the dashboard sends them. */
async function apiCall<T>(p: Page, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  return p.evaluate(
    async ({ method, path, body }) => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrf_token: string };
      const headers: Record<string, string> = { 'x-csrf-token': session.csrf_token };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    { method, path, body },
  );
}

async function signIn(p: Page, email: string, password: string) {
  await p.goto(`${server.url}/login`);
  await p.getByLabel('Email').fill(email);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForURL((url) => !url.pathname.startsWith('/login'));
}

beforeAll(async () => {
  const webDir = await buildDashboard();
  server = await startE2eServer(webDir);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  consoleProblems = watchConsole(page);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('roles and audit log', () => {
  it('creates a custom role with two permissions in the role editor', async () => {
    await signIn(page, server.adminEmail, server.password);
    const partner = await apiCall<{ id: string }>(page, 'POST', '/partners', { name: 'Fabrikam MSP' });
    expect(partner.status).toBe(201);
    partnerId = partner.body.id;
    const org = await apiCall(page, 'POST', `/partners/${partnerId}/organizations`, { name: 'Contoso Ltd' });
    expect(org.status).toBe(201);

    await page.goto(`${server.url}/partners/${partnerId}/organizations`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Roles' }).click();
    await page.waitForURL(/\/roles$/);
    await expect.poll(() => page.getByRole('cell', { name: /Owner/ }).count(), WAIT).toBeGreaterThan(0);
    expect(await page.getByText('System', { exact: true }).count()).toBe(5);
    await screenshot(page, 'roles-audit-01-roles');

    await page.getByRole('link', { name: 'New role' }).click();
    await page.waitForURL(/\/roles\/new$/);
    await page.getByLabel('Name').fill('Helpdesk');
    await page.getByLabel('Description').fill('First-line support: sees customers, changes nothing');
    await page.getByRole('checkbox', { name: /See organizations/ }).check();
    await page.getByRole('checkbox', { name: /See sites/ }).check();
    await expect.poll(() => page.getByText('2 permissions selected').count(), WAIT).toBe(1);
    await screenshot(page, 'roles-audit-02-role-editor');
    await page.getByRole('button', { name: 'Create role' }).click();

    await page.waitForURL(/\/roles$/);
    const row = page.getByRole('row', { name: /Helpdesk/ });
    await expect.poll(() => row.count(), WAIT).toBe(1);
    expect(await row.getByRole('cell').nth(2).textContent()).toBe('2');
    await screenshot(page, 'roles-audit-03-roles-with-custom');

    const [role] = await server.database.ownerQuery<{ id: string; permissions: string[] }>(
      `select r.id, array_agg(rp.permission order by rp.permission) as permissions
         from roles r join role_permissions rp on rp.role_id = r.id
        where r.tenant_id = $1 and r.name = 'Helpdesk' group by r.id`,
      [partnerId],
    );
    expect(role?.permissions).toEqual(['organizations.view', 'sites.view']);
    roleId = role!.id;
  });

  it('shows a system role read-only, with a duplicate action', async () => {
    await page.getByRole('link', { name: 'Technician', exact: true }).click();
    await page.waitForURL(/\/roles\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByRole('link', { name: 'Duplicate as custom role' }).count(), WAIT).toBe(1);
    expect(await page.getByRole('checkbox').count()).toBe(0);
    await expect
      .poll(() => page.getByRole('navigation', { name: 'Breadcrumb' }).textContent(), WAIT)
      .toMatch(/Fabrikam MSP.*Roles.*Technician/);
    await screenshot(page, 'roles-audit-04-system-role');

    await page.getByRole('link', { name: 'Duplicate as custom role' }).click();
    await page.waitForURL(/\/roles\/new\?from=/);
    await expect.poll(async () => page.getByLabel('Name').inputValue(), WAIT).toBe('Technician (copy)');
    expect(await page.getByRole('checkbox', { name: /Create, edit, delete and restore sites/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(/\/roles$/);
  });

  it('shows the role.create event with its details in the audit log, filters by action, exports and verifies', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log', exact: true }).click();
    await page.waitForURL(/\/partners\/[^/]+\/audit$/);
    const createRow = page.getByRole('button', { name: /Show details of event \d+, role\.create/ });
    await expect.poll(() => createRow.count(), WAIT).toBe(1);
    expect(await page.getByRole('cell', { name: 'organization.create', exact: true }).count()).toBe(1);
    expect(await page.getByText('Viewing this log is itself recorded', { exact: false }).count()).toBe(1);
    await screenshot(page, 'roles-audit-05-audit-log');

    await createRow.click();
    const details = page.locator('[id^="audit-event-"][id$="-details"]');
    await expect.poll(() => details.count(), WAIT).toBe(1);
    expect(await details.textContent()).toContain('Helpdesk');
    expect(await details.textContent()).toContain('["organizations.view","sites.view"]');
    expect(await details.textContent()).toContain(server.adminEmail);
    await screenshot(page, 'roles-audit-06-audit-event-details');

    await page.getByLabel('Action', { exact: true }).selectOption('role.');
    await page.waitForURL(/action=role\./);
    await expect.poll(() => page.getByRole('cell', { name: 'organization.create', exact: true }).count(), WAIT).toBe(0);
    expect(await page.getByRole('cell', { name: 'role.create', exact: true }).count()).toBe(1);
    await screenshot(page, 'roles-audit-07-audit-filtered');

    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    expect(href).toBe(`/api/v1/partners/${partnerId}/audit-events/export?action=role.`);
    const csv = await page.request.get(`${server.url}${href}`);
    expect(csv.status()).toBe(200);
    const csvText = await csv.text();
    expect(csvText).toContain('role.create');
    expect(csvText).not.toContain('organization.create');

    await page.getByRole('button', { name: 'Verify integrity' }).click();
    await expect.poll(() => page.getByText(/All \d+ events intact/).count(), WAIT).toBe(1);
    await screenshot(page, 'roles-audit-08-audit-verified');

    // The reads, the export and the verification are in the log themselves.
    const actions = await server.database.ownerQuery<{ action: string }>(
      `select distinct action from audit_events where tenant_id = $1 and action like 'audit.%' order by action`,
      [partnerId],
    );
    expect(actions.map((a) => a.action)).toEqual(['audit.export', 'audit.read', 'audit.verify']);
  });

  it('shows platform staff the platform chain at /audit', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Platform audit log' }).click();
    await page.waitForURL(/\/audit$/);
    await expect.poll(() => page.getByRole('cell', { name: 'partner.create', exact: true }).count(), WAIT).toBe(1);
    expect(await page.getByRole('cell', { name: 'role.create', exact: true }).count()).toBe(0);
    await page.getByLabel('Search', { exact: true }).fill('partner.');
    await page.getByLabel('Search', { exact: true }).press('Enter');
    await page.waitForURL(/\/audit\?q=partner\./);
    await expect.poll(() => page.getByRole('cell', { name: /^auth\./ }).count(), WAIT).toBe(0);
    await screenshot(page, 'roles-audit-09-platform-audit');
  });

  it('shows the server’s reason when a role that is still assigned cannot be deleted', async () => {
    const user = await createUserWithPassword(server.database.db, {
      email: 'rolemanager@fabrikam.test',
      name: 'Role Manager',
      password: server.password,
      partnerId,
      roleKey: 'readonly',
    });
    const manager = await apiCall<{ id: string }>(page, 'POST', `/partners/${partnerId}/roles`, {
      name: 'Role manager',
      permissions: ['roles.view', 'roles.manage'],
    });
    expect(manager.status).toBe(201);
    for (const role of [roleId, manager.body.id]) {
      const assigned = await apiCall(page, 'POST', `/partners/${partnerId}/role-assignments`, {
        user_id: user.id,
        role_id: role,
        scope_type: 'partner',
      });
      expect(assigned.status).toBe(201);
    }

    await page.goto(`${server.url}/partners/${partnerId}/roles`);
    const row = page.getByRole('row', { name: /Helpdesk/ });
    await expect.poll(() => row.count(), WAIT).toBe(1);
    await row.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('Helpdesk');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent(), WAIT).toMatch(/still assigned 1 time/);
    await screenshot(page, 'roles-audit-10-delete-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await server.database.ownerQuery(`select 1 from roles where id = $1 and deleted_at is null`, [roleId])).toHaveLength(
      1,
    );
  });

  it('shows permissions the signed-in user does not hold as disabled, with the reason', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const other = await context.newPage();
    const otherProblems = watchConsole(other);
    await signIn(other, 'rolemanager@fabrikam.test', server.password);
    await other.goto(`${server.url}/partners/${partnerId}/roles/new`);
    const notHeld = other.getByRole('checkbox', { name: /Create, edit, delete and restore sites/ });
    await expect.poll(() => notHeld.count(), WAIT).toBe(1);
    expect(await notHeld.isDisabled()).toBe(true);
    expect(await other.getByRole('checkbox', { name: /See sites/ }).isDisabled()).toBe(false);
    await other.getByText('Create, edit, delete and restore sites').hover();
    await expect.poll(() => other.getByRole('tooltip').textContent(), WAIT).toContain('You do not hold this permission');
    await screenshot(other, 'roles-audit-11-permission-not-held');
    await context.close();
    // Only the signed-out session probe on the sign-in page answers 401.
    expect(otherProblems.filter((p) => !/401/.test(p))).toEqual([]);
  });

  it('had no console errors or CSP violations', () => {
    // Expected: the signed-out session probe on the sign-in page (401) and the refused delete (422).
    expect(consoleProblems.filter((p) => !/\b(401|422)\b/.test(p))).toEqual([]);
  });
});
