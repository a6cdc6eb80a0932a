import type { QueryClient } from '@tanstack/react-query';
import { Outlet, createRootRouteWithContext, createRoute, createRouter, redirect } from '@tanstack/react-router';
import { validateListSearch } from '../api/list';
import { AccountPage } from '../features/account/account-page';
import { InvitePage } from '../features/account/invite-page';
import { ForgotPasswordPage, ResetPasswordPage } from '../features/account/reset-password-page';
import { validatePartnerApiKeysSearch } from '../features/api-keys/api';
import { ApiKeysPage } from '../features/api-keys/api-keys-page';
import { PartnerApiKeysPage } from '../features/api-keys/partner-api-keys-page';
import { validateAuditSearch } from '../features/audit/api';
import { PartnerAuditPage, PlatformAuditPage } from '../features/audit/audit-log-page';
import { homeLocation, safeRedirect, sessionQueryOptions } from '../features/auth/api';
import type { Session } from '../features/auth/api';
import { LoginPage } from '../features/auth/login-page';
import { validateRunsSearch } from '../features/commands/api';
import { CommandSettingsPage } from '../features/commands/command-settings-page';
import { RunPage } from '../features/commands/run-page';
import { RunsPage } from '../features/commands/runs-page';
import { TaskPage } from '../features/commands/task-page';
import { CustomFieldsPage } from '../features/custom-fields/custom-fields-page';
import { validateDevicesSearch } from '../features/devices/api';
import { DevicePage, validateDeviceSearch } from '../features/devices/device-page';
import { DevicesPage } from '../features/devices/devices-page';
import { DiskPage, validateDiskSearch } from '../features/devices/disk-page';
import { ProcessesPage, validateProcessesSearch } from '../features/devices/processes-page';
import { OrganizationPage } from '../features/organizations/organization-page';
import { OrganizationsPage } from '../features/organizations/organizations-page';
import { PartnersPage } from '../features/partners/partners-page';
import { NewRolePage, RolePage } from '../features/roles/role-page';
import { RolesPage } from '../features/roles/roles-page';
import { SchedulesPage } from '../features/schedules/schedules-page';
import { validateScriptsSearch } from '../features/scripts/api';
import { NewScriptPage, ScriptPage, validateScriptTabSearch } from '../features/scripts/script-page';
import { ScriptsPage } from '../features/scripts/scripts-page';
import { SitePage } from '../features/sites/site-page';
import { SsoSettingsPage } from '../features/sso/sso-settings-page';
import { validateUsersSearch } from '../features/users/api';
import { UserPage } from '../features/users/user-page';
import { UsersPage } from '../features/users/users-page';
import { SecurityPage } from '../features/two-factor/security-page';
import { AppLayout } from './app-layout';
import { NoAccessPage, NotFoundPage, RouteErrorPage } from './status-pages';

export interface RouterContext {
  queryClient: QueryClient;
}

/** Throws the redirect to the user's landing page, if they have one. */
function redirectHome(session: Session): void {
  const home = homeLocation(session);
  if (!home) return;
  if (home.to === '/partners') throw redirect({ to: '/partners', replace: true });
  throw redirect({ to: '/partners/$partnerId/organizations', params: home.params, replace: true });
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  errorComponent: RouteErrorPage,
});

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'login',
  validateSearch: (search: Record<string, unknown>): { redirect?: string; error?: string } => ({
    ...(typeof search.redirect === 'string' ? { redirect: search.redirect } : {}),
    // Why a single sign-on came back refused (see features/sso).
    ...(typeof search.error === 'string' ? { error: search.error } : {}),
  }),
  beforeLoad: async ({ context, search }) => {
    const session = await context.queryClient.ensureQueryData(sessionQueryOptions);
    if (!session) return;
    const target = safeRedirect(search.redirect);
    if (target) throw redirect({ href: target, replace: true });
    redirectHome(session);
    throw redirect({ to: '/', replace: true });
  },
  component: LoginPage,
});

/** Links from email: open to anyone holding the link, signed in or not. */
const inviteRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'invite/$token',
  component: InvitePage,
});

const resetPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'reset-password/$token',
  component: ResetPasswordPage,
});

const forgotPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'forgot-password',
  component: ForgotPasswordPage,
});

/** Everything below needs a session; a signed-out visitor goes to /login and comes back. */
const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: '_app',
  beforeLoad: async ({ context, location }) => {
    const session = await context.queryClient.ensureQueryData(sessionQueryOptions);
    if (!session) throw redirect({ to: '/login', search: { redirect: location.href }, replace: true });
    return { session };
  },
  component: AppLayout,
});

const indexRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/',
  beforeLoad: ({ context }) => redirectHome(context.session),
  component: NoAccessPage,
});

const partnersRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners',
  validateSearch: validateListSearch,
  beforeLoad: ({ context }) => {
    if (!context.session.user.is_platform_admin) redirectHome(context.session);
  },
  component: PartnersPage,
});

const partnerRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId',
  beforeLoad: ({ params }) => {
    throw redirect({ to: '/partners/$partnerId/organizations', params, replace: true });
  },
});

const organizationsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/organizations',
  validateSearch: validateListSearch,
  component: OrganizationsPage,
});

const organizationRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/organizations/$organizationId',
  validateSearch: validateListSearch,
  component: OrganizationPage,
});

const sitesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/organizations/$organizationId/sites',
  beforeLoad: ({ params }) => {
    throw redirect({
      to: '/partners/$partnerId/organizations/$organizationId',
      params,
      hash: 'sites',
      replace: true,
    });
  },
});

const siteRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/organizations/$organizationId/sites/$siteId',
  component: SitePage,
});

const devicesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/devices',
  validateSearch: validateDevicesSearch,
  component: DevicesPage,
});

const deviceRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/devices/$deviceId',
  validateSearch: validateDeviceSearch,
  component: DevicePage,
});

/** The device's processes, asked of the agent live (DEV3). */
const deviceProcessesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/devices/$deviceId/processes',
  validateSearch: validateProcessesSearch,
  component: ProcessesPage,
});

/** The device's partitions and largest folders, asked of the agent live (DEV3). */
const deviceDiskRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/devices/$deviceId/disk',
  validateSearch: validateDiskSearch,
  component: DiskPage,
});

/** The script library (AUT1, AUT2, AUT6). */
const scriptsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/scripts',
  validateSearch: validateScriptsSearch,
  component: ScriptsPage,
});

const newScriptRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/scripts/new',
  component: NewScriptPage,
});

const scriptRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/scripts/$scriptId',
  validateSearch: validateScriptTabSearch,
  component: ScriptPage,
});

/** Every run of every device (AUT4, DEV8). */
const runsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/runs',
  validateSearch: validateRunsSearch,
  component: RunsPage,
});

/** One run, its output streaming live. */
const runRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/runs/$runId',
  component: RunPage,
});

/** One task: its runs on every device, its approval. */
const taskRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/tasks/$taskId',
  component: TaskPage,
});

/** Cron schedules of tasks (AUT3). */
const schedulesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/schedules',
  component: SchedulesPage,
});

/** Custom fields of organizations, sites and devices (DEV9). */
const customFieldsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/custom-fields',
  component: CustomFieldsPage,
});

/** Fan-out threshold, expiry, the kill switch and pending approvals (security.md 28). */
const commandSettingsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/command-settings',
  component: CommandSettingsPage,
});

const rolesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/roles',
  component: RolesPage,
});

const newRoleRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/roles/new',
  validateSearch: (search: Record<string, unknown>): { from?: string } =>
    typeof search.from === 'string' && search.from ? { from: search.from } : {},
  component: NewRolePage,
});

const roleRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/roles/$roleId',
  component: RolePage,
});

const partnerAuditRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/audit',
  validateSearch: validateAuditSearch,
  component: PartnerAuditPage,
});

/** The platform's own audit chain, for platform staff. */
const platformAuditRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'audit',
  validateSearch: validateAuditSearch,
  beforeLoad: ({ context }) => {
    if (!context.session.user.is_platform_admin) redirectHome(context.session);
  },
  component: PlatformAuditPage,
});

const ssoRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/sso',
  component: SsoSettingsPage,
});

/** The API keys of a partner's users, for its administrators. */
const partnerApiKeysRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/api-keys',
  validateSearch: validatePartnerApiKeysSearch,
  component: PartnerApiKeysPage,
});

/** The signed-in user's personal API keys. */
const apiKeysRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'me/api-keys',
  component: ApiKeysPage,
});

/** The signed-in user's two-factor sign-in, trusted browsers and sessions. */
const securityRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'me/security',
  component: SecurityPage,
});

const usersRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/users',
  validateSearch: validateUsersSearch,
  component: UsersPage,
});

const userRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'partners/$partnerId/users/$userId',
  component: UserPage,
});

/** The signed-in user's profile and password. */
const accountRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'me',
  component: AccountPage,
});

const notFoundRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '$',
  component: NotFoundPage,
});

const routeTree = rootRoute.addChildren([
  loginRoute,
  inviteRoute,
  resetPasswordRoute,
  forgotPasswordRoute,
  appRoute.addChildren([
    indexRoute,
    partnersRoute,
    partnerRoute,
    organizationsRoute,
    organizationRoute,
    sitesRoute,
    siteRoute,
    devicesRoute,
    deviceRoute,
    deviceProcessesRoute,
    deviceDiskRoute,
    scriptsRoute,
    newScriptRoute,
    scriptRoute,
    runsRoute,
    runRoute,
    taskRoute,
    schedulesRoute,
    customFieldsRoute,
    commandSettingsRoute,
    rolesRoute,
    newRoleRoute,
    roleRoute,
    partnerAuditRoute,
    platformAuditRoute,
    ssoRoute,
    partnerApiKeysRoute,
    apiKeysRoute,
    securityRoute,
    usersRoute,
    userRoute,
    accountRoute,
    notFoundRoute,
  ]),
]);

/** Plain `?q=acme&deleted=1` query strings (the default JSON encoding would quote values). */
function parseSearch(searchStr: string): Record<string, unknown> {
  return Object.fromEntries(new URLSearchParams(searchStr));
}

function stringifySearch(search: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(search)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

export function createAppRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    context: { queryClient },
    parseSearch,
    stringifySearch,
    defaultPreload: 'intent',
    scrollRestoration: true,
    defaultNotFoundComponent: NotFoundPage,
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
