import { Link, useParams, useRouterState } from '@tanstack/react-router';
import {
  Briefcase,
  Building2,
  CalendarClock,
  ChevronRight,
  FileCode2,
  History,
  ListTree,
  OctagonX,
  Tags,
  HardDrive,
  Key,
  ListOrdered,
  MapPin,
  Monitor,
  ScrollText,
  ShieldCheck,
  UserCog,
} from 'lucide-react';
import type { LucideIcon } from 'lucide-react';
import type { ReactNode } from 'react';
import { useSession } from '../features/auth/session-context';
import { useDevice } from '../features/devices/api';
import { useOrganization } from '../features/organizations/api';
import { usePartnerSummary } from '../features/partners/use-partner-name';
import { useRole } from '../features/roles/api';
import { useSite } from '../features/sites/api';
import { Skeleton } from '../ui/skeleton';

interface Crumb {
  key: string;
  /** The hierarchy level, announced before the name ("Organization: Contoso"). */
  level?: string;
  label: ReactNode;
  icon?: LucideIcon;
  link: ReactNode;
}

function nameOrPlaceholder(name: string | undefined, isError: boolean): ReactNode {
  if (name) return name;
  if (isError) return <span className="text-muted-foreground">Unavailable</span>;
  return <Skeleton className="inline-block h-3.5 w-24 align-middle" />;
}

/** Partner › Organization › Site, from the URL; names come from the same queries the pages use. */
/** The signed-in user's own pages. */
const ACCOUNT_PAGES: Record<string, { label: string; icon: typeof Key }> = {
  '/me': { label: 'My account', icon: UserCog },
  '/me/security': { label: 'Security', icon: ShieldCheck },
  '/me/api-keys': { label: 'API keys', icon: Key },
};

export function Breadcrumbs() {
  const session = useSession();
  const params = useParams({ strict: false });
  const partnerId = params.partnerId;
  const organizationId = params.organizationId;
  const siteId = params.siteId;
  const roleId = params.roleId;
  const deviceId = params.deviceId;
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const section =
    /^\/partners\/[^/]+\/(roles|audit|api-keys|devices|scripts|runs|tasks|schedules|custom-fields|command-settings)(\/|$)/.exec(
      pathname,
    )?.[1];
  const scriptId = params.scriptId;
  const deviceView = /^\/partners\/[^/]+\/devices\/[^/]+\/(processes|disk)$/.exec(pathname)?.[1];
  const platformAudit = pathname === '/audit';

  const partner = usePartnerSummary(partnerId);
  const organization = useOrganization(partnerId ?? '', organizationId ?? '', Boolean(partnerId && organizationId));
  const site = useSite(partnerId ?? '', organizationId ?? '', siteId ?? '', Boolean(partnerId && organizationId && siteId));
  const role = useRole(partnerId ?? '', roleId ?? '', Boolean(partnerId && roleId));
  const device = useDevice(partnerId ?? '', deviceId ?? '', Boolean(partnerId && deviceId));

  const crumbs: Crumb[] = [];
  const accountPage = ACCOUNT_PAGES[pathname];
  if (accountPage) {
    // The user's own things sit outside the hierarchy.
    crumbs.push({ key: 'account', icon: accountPage.icon, label: accountPage.label, link: null });
  } else if (platformAudit) {
    crumbs.push({ key: 'platform-audit', level: 'Platform', icon: ScrollText, label: 'Platform audit log', link: null });
  } else if (session.user.is_platform_admin) {
    const label = 'Partners';
    crumbs.push({
      key: 'partners',
      label,
      link: (
        <Link to="/partners" className="hover:text-foreground">
          {label}
        </Link>
      ),
    });
  }
  if (partnerId) {
    const label = nameOrPlaceholder(partner.name, partner.query.isError);
    crumbs.push({
      key: 'partner',
      level: 'Partner',
      icon: Building2,
      label,
      link: (
        <Link to="/partners/$partnerId/organizations" params={{ partnerId }} className="hover:text-foreground">
          {label}
        </Link>
      ),
    });
  }
  if (partnerId && organizationId) {
    const label = nameOrPlaceholder(organization.data?.name, organization.isError);
    crumbs.push({
      key: 'organization',
      level: 'Organization',
      icon: Briefcase,
      label,
      link: (
        <Link
          to="/partners/$partnerId/organizations/$organizationId"
          params={{ partnerId, organizationId }}
          className="hover:text-foreground"
        >
          {label}
        </Link>
      ),
    });
  }
  if (partnerId && organizationId && siteId) {
    const label = nameOrPlaceholder(site.data?.name, site.isError);
    crumbs.push({ key: 'site', level: 'Site', icon: MapPin, label, link: null });
  }
  if (partnerId && section === 'devices' && !deviceId) {
    crumbs.push({ key: 'devices', icon: Monitor, label: 'Devices', link: null });
  }
  if (partnerId && deviceId) {
    // Partner › Organization › Site › Device: the device knows where it lives.
    const d = device.data;
    const orgLabel = nameOrPlaceholder(d?.organization_name, device.isError);
    const siteLabel = nameOrPlaceholder(d?.site_name, device.isError);
    crumbs.push({
      key: 'organization',
      level: 'Organization',
      icon: Briefcase,
      label: orgLabel,
      link: d ? (
        <Link
          to="/partners/$partnerId/organizations/$organizationId"
          params={{ partnerId, organizationId: d.organization_id }}
          className="hover:text-foreground"
        >
          {orgLabel}
        </Link>
      ) : (
        orgLabel
      ),
    });
    crumbs.push({
      key: 'site',
      level: 'Site',
      icon: MapPin,
      label: siteLabel,
      link: d ? (
        <Link
          to="/partners/$partnerId/organizations/$organizationId/sites/$siteId"
          params={{ partnerId, organizationId: d.organization_id, siteId: d.site_id }}
          className="hover:text-foreground"
        >
          {siteLabel}
        </Link>
      ) : (
        siteLabel
      ),
    });
    const deviceLabel = nameOrPlaceholder(d?.hostname, device.isError);
    crumbs.push({
      key: 'device',
      level: 'Device',
      icon: Monitor,
      label: deviceLabel,
      link: (
        <Link to="/partners/$partnerId/devices/$deviceId" params={{ partnerId, deviceId }} className="hover:text-foreground">
          {deviceLabel}
        </Link>
      ),
    });
    if (deviceView === 'processes') crumbs.push({ key: 'processes', icon: ListOrdered, label: 'Processes', link: null });
    if (deviceView === 'disk') crumbs.push({ key: 'disk', icon: HardDrive, label: 'Disk usage', link: null });
  }
  if (partnerId && section === 'scripts') {
    const label = 'Scripts';
    const sub = pathname.endsWith('/scripts/new') ? 'New script' : scriptId ? 'Script' : null;
    crumbs.push({
      key: 'scripts',
      icon: FileCode2,
      label,
      link: (
        <Link to="/partners/$partnerId/scripts" params={{ partnerId }} className="hover:text-foreground">
          {label}
        </Link>
      ),
    });
    if (sub) crumbs.push({ key: 'script', label: sub, link: null });
  }
  if (partnerId && (section === 'runs' || section === 'tasks')) {
    const label = 'Runs';
    crumbs.push({
      key: 'runs',
      icon: History,
      label,
      link: (
        <Link to="/partners/$partnerId/runs" params={{ partnerId }} className="hover:text-foreground">
          {label}
        </Link>
      ),
    });
    if (params.runId) crumbs.push({ key: 'run', label: 'Run', link: null });
    if (params.taskId) crumbs.push({ key: 'task', icon: ListTree, label: 'Task', link: null });
  }
  if (partnerId && section === 'schedules')
    crumbs.push({ key: 'schedules', icon: CalendarClock, label: 'Schedules', link: null });
  if (partnerId && section === 'custom-fields')
    crumbs.push({ key: 'custom-fields', icon: Tags, label: 'Custom fields', link: null });
  if (partnerId && section === 'command-settings') {
    crumbs.push({ key: 'command-settings', icon: OctagonX, label: 'Command settings', link: null });
  }
  if (partnerId && section === 'audit') {
    crumbs.push({ key: 'audit', icon: ScrollText, label: 'Audit log', link: null });
  }
  if (partnerId && section === 'api-keys') {
    crumbs.push({ key: 'api-keys', icon: Key, label: 'API keys', link: null });
  }
  if (partnerId && section === 'roles') {
    const label = 'Roles';
    crumbs.push({
      key: 'roles',
      icon: UserCog,
      label,
      link: (
        <Link to="/partners/$partnerId/roles" params={{ partnerId }} className="hover:text-foreground">
          {label}
        </Link>
      ),
    });
    if (roleId) {
      crumbs.push({ key: 'role', level: 'Role', label: nameOrPlaceholder(role.data?.name, role.isError), link: null });
    } else if (pathname.endsWith('/roles/new')) {
      crumbs.push({ key: 'new-role', label: 'New role', link: null });
    }
  }

  return (
    <nav aria-label="Breadcrumb" className="min-w-0">
      <ol className="flex min-w-0 items-center gap-1 text-[13px] text-muted-foreground">
        {crumbs.map((crumb, index) => {
          const last = index === crumbs.length - 1;
          const Icon = crumb.icon;
          return (
            <li key={crumb.key} className="flex min-w-0 items-center gap-1">
              {index > 0 ? <ChevronRight className="size-3.5 shrink-0 opacity-60" aria-hidden="true" /> : null}
              <span
                className={
                  last ? 'flex min-w-0 items-center gap-1.5 font-medium text-foreground' : 'flex min-w-0 items-center gap-1.5'
                }
                title={crumb.level}
              >
                {Icon ? <Icon className="size-3.5 shrink-0" aria-hidden="true" /> : null}
                {crumb.level ? <span className="sr-only">{crumb.level}: </span> : null}
                <span className="truncate" aria-current={last ? 'page' : undefined}>
                  {last ? crumb.label : crumb.link}
                </span>
              </span>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
