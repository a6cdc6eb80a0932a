import { Link, useParams, useRouterState } from '@tanstack/react-router';
import {
  BookOpen,
  Briefcase,
  Building2,
  CalendarClock,
  ChevronsUpDown,
  FileCode2,
  History,
  OctagonX,
  Tags,
  Key,
  KeyRound,
  LogOut,
  Monitor,
  Moon,
  ScrollText,
  ShieldCheck,
  Sun,
  UserLock,
  UserCog,
  UserRound,
  Users,
} from 'lucide-react';
import type { LucideIcon } from 'lucide-react';
import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { errorMessage } from '../api/client';
import { hasPermission, useLogout } from '../features/auth/api';
import { useSession } from '../features/auth/session-context';
import { usePartnerSummary } from '../features/partners/use-partner-name';
import { Button } from '../ui/button';
import { cn } from '../ui/cn';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '../ui/dropdown-menu';
import { useToast } from '../ui/toast';
import { Tooltip } from '../ui/tooltip';
import { Wordmark } from './logo';
import { useTheme } from './theme';

const LAST_PARTNER_KEY = 'cloudrmm.lastPartnerId';

function readLastPartner(): string | null {
  try {
    return sessionStorage.getItem(LAST_PARTNER_KEY);
  } catch {
    return null;
  }
}

/**
 * The partner whose organizations the sidebar links to: the user's own, or for
 * a platform admin the one being looked at (or last looked at in this tab).
 */
function useContextPartnerId(): string | null {
  const session = useSession();
  const { partnerId } = useParams({ strict: false });
  const routePartner = usePartnerSummary(session.user.is_platform_admin ? partnerId : undefined);
  const routePartnerLoaded = Boolean(routePartner.partner);
  const [last, setLast] = useState<string | null>(readLastPartner);

  // Only a partner that actually loaded is worth coming back to.
  useEffect(() => {
    if (!partnerId || !routePartnerLoaded) return;
    try {
      sessionStorage.setItem(LAST_PARTNER_KEY, partnerId);
    } catch {
      // Storage unavailable: only the current page knows the partner.
    }
  }, [partnerId, routePartnerLoaded]);

  if (partnerId && routePartnerLoaded && partnerId !== last) setLast(partnerId);

  if (!session.user.is_platform_admin) return session.user.partner_id ?? session.partner?.id ?? null;
  return partnerId ?? last;
}

function NavItem({
  icon: Icon,
  label,
  sublabel,
  active,
  children,
}: {
  icon: LucideIcon;
  label: string;
  sublabel?: ReactNode;
  active: boolean;
  children: (props: {
    className: string;
    'aria-current': 'page' | undefined;
    'aria-label': string;
    title: string | undefined;
    content: ReactNode;
  }) => ReactNode;
}) {
  const content = (
    <>
      <Icon className={cn('size-4 shrink-0', active ? 'text-link' : 'text-muted-foreground')} aria-hidden="true" />
      <span className="grid min-w-0">
        <span className="truncate">{label}</span>
        {sublabel ? <span className="truncate text-xs font-normal text-muted-foreground">{sublabel}</span> : null}
      </span>
    </>
  );
  return (
    <li>
      {children({
        // The sublabel (the partner's name) is context, not part of the link's name.
        'aria-label': label,
        title: typeof sublabel === 'string' ? sublabel : undefined,
        className: cn(
          'flex items-center gap-2.5 rounded-md px-2.5 py-1.5 text-[13px] font-medium transition-colors focus-visible:outline-2 focus-visible:outline-ring',
          active ? 'bg-hover text-foreground' : 'text-sidebar-foreground hover:bg-hover/70 hover:text-foreground',
        ),
        'aria-current': active ? 'page' : undefined,
        content,
      })}
    </li>
  );
}

function initials(name: string, email: string): string {
  const source = name.trim() || email;
  const parts = source.split(/[\s@._-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '') + (parts[1]?.[0] ?? '')).toUpperCase() || '?';
}

export function Sidebar() {
  const session = useSession();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const contextPartnerId = useContextPartnerId();
  const contextPartner = usePartnerSummary(contextPartnerId ?? undefined);
  const [theme, setTheme] = useTheme();
  const logout = useLogout();
  const { toast } = useToast();
  const isAdmin = session.user.is_platform_admin;

  const partnersActive = pathname === '/partners';
  const rolesActive = /^\/partners\/[^/]+\/roles(\/|$)/.test(pathname);
  const auditActive = /^\/partners\/[^/]+\/audit(\/|$)/.test(pathname);
  const platformAuditActive = pathname === '/audit';
  const ssoActive = /^\/partners\/[^/]+\/sso$/.test(pathname);
  const usersActive = /^\/partners\/[^/]+\/users(\/|$)/.test(pathname);
  const apiKeysActive = /^\/partners\/[^/]+\/api-keys$/.test(pathname);
  const devicesActive = /^\/partners\/[^/]+\/devices(\/|$)/.test(pathname);
  const scriptsActive = /^\/partners\/[^/]+\/scripts(\/|$)/.test(pathname);
  const runsActive = /^\/partners\/[^/]+\/(runs|tasks)(\/|$)/.test(pathname);
  const schedulesActive = /^\/partners\/[^/]+\/schedules(\/|$)/.test(pathname);
  const customFieldsActive = /^\/partners\/[^/]+\/custom-fields$/.test(pathname);
  const commandSettingsActive = /^\/partners\/[^/]+\/command-settings$/.test(pathname);
  const organizationsActive =
    pathname.startsWith('/partners/') &&
    Boolean(contextPartnerId) &&
    !rolesActive &&
    !auditActive &&
    !ssoActive &&
    !usersActive &&
    !apiKeysActive &&
    !devicesActive &&
    !scriptsActive &&
    !runsActive &&
    !schedulesActive &&
    !customFieldsActive &&
    !commandSettingsActive;
  const nextTheme = theme === 'dark' ? 'light' : 'dark';
  const themeLabel = `Switch to ${nextTheme} theme`;

  function signOut() {
    logout.mutate(undefined, {
      onError: (error) => toast({ tone: 'error', title: 'Could not sign out', description: errorMessage(error) }),
    });
  }

  return (
    <aside className="sticky top-0 flex h-screen w-60 shrink-0 flex-col border-r border-border bg-sidebar">
      <div className="grid gap-1 px-4 pt-4 pb-3">
        <Link
          to="/"
          aria-label="CloudRMM home"
          className="-mx-1 w-fit rounded-md px-1 py-0.5 focus-visible:outline-2 focus-visible:outline-ring"
        >
          <Wordmark />
        </Link>
        <p className="flex min-w-0 items-center gap-1.5 pl-0.5 text-xs text-muted-foreground">
          {isAdmin ? (
            <>
              <ShieldCheck className="size-3.5 shrink-0" aria-hidden="true" />
              <span className="truncate">Platform admin</span>
            </>
          ) : (
            <>
              <Building2 className="size-3.5 shrink-0" aria-hidden="true" />
              <span className="truncate" title={session.partner?.name}>
                {session.partner?.name ?? 'No partner'}
              </span>
            </>
          )}
        </p>
      </div>

      <nav aria-label="Main" className="flex-1 overflow-y-auto px-2 py-2">
        <ul className="grid gap-0.5">
          {isAdmin ? (
            <NavItem icon={Building2} label="Partners" active={partnersActive}>
              {({ content, ...props }) => (
                <Link to="/partners" {...props}>
                  {content}
                </Link>
              )}
            </NavItem>
          ) : null}
          {isAdmin && hasPermission(session, 'audit.view_platform') ? (
            <NavItem icon={ScrollText} label="Platform audit log" active={platformAuditActive}>
              {({ content, ...props }) => (
                <Link to="/audit" {...props}>
                  {content}
                </Link>
              )}
            </NavItem>
          ) : null}
          <NavItem
            icon={Briefcase}
            label="Organizations"
            sublabel={isAdmin ? (contextPartnerId ? contextPartner.name : 'Choose a partner first') : undefined}
            active={organizationsActive}
          >
            {({ content, ...props }) =>
              contextPartnerId ? (
                <Link to="/partners/$partnerId/organizations" params={{ partnerId: contextPartnerId }} {...props}>
                  {content}
                </Link>
              ) : (
                <Link to="/partners" {...props} aria-current={undefined}>
                  {content}
                </Link>
              )
            }
          </NavItem>
          {contextPartnerId && hasPermission(session, 'devices.view') ? (
            <NavItem icon={Monitor} label="Devices" active={devicesActive}>
              {({ content, ...props }) => (
                <Link to="/partners/$partnerId/devices" params={{ partnerId: contextPartnerId }} {...props}>
                  {content}
                </Link>
              )}
            </NavItem>
          ) : null}
          {contextPartnerId && hasPermission(session, 'scripts.view') ? (
            <NavItem icon={FileCode2} label="Scripts" active={scriptsActive}>
              {({ content, ...props }) => (
                <Link to="/partners/$partnerId/scripts" params={{ partnerId: contextPartnerId }} {...props}>
                  {content}
                </Link>
              )}
            </NavItem>
          ) : null}
          {contextPartnerId && hasPermission(session, 'commands.view') ? (
            <NavItem icon={History} label="Runs" active={runsActive}>
              {({ content, ...props }) => (
                <Link to="/partners/$partnerId/runs" params={{ partnerId: contextPartnerId }} {...props}>
                  {content}
                </Link>
              )}
            </NavItem>
          ) : null}
          {contextPartnerId && hasPermission(session, 'commands.view') ? (
            <NavItem icon={CalendarClock} label="Schedules" active={schedulesActive}>
              {({ content, ...props }) => (
                <Link to="/partners/$partnerId/schedules" params={{ partnerId: contextPartnerId }} {...props}>
                  {content}
                </Link>
              )}
            </NavItem>
          ) : null}
          {contextPartnerId && hasPermission(session, 'users.view') ? (
            <NavItem icon={Users} label="Users" active={usersActive}>
              {({ content, ...props }) => (
                <Link to="/partners/$partnerId/users" params={{ partnerId: contextPartnerId }} {...props}>
                  {content}
                </Link>
              )}
            </NavItem>
          ) : null}
          {contextPartnerId && hasPermission(session, 'roles.view') ? (
            <NavItem icon={UserCog} label="Roles" active={rolesActive}>
              {({ content, ...props }) => (
                <Link to="/partners/$partnerId/roles" params={{ partnerId: contextPartnerId }} {...props}>
                  {content}
                </Link>
              )}
            </NavItem>
          ) : null}
          {contextPartnerId && hasPermission(session, 'audit.view') ? (
            <NavItem icon={ScrollText} label="Audit log" active={auditActive}>
              {({ content, ...props }) => (
                <Link to="/partners/$partnerId/audit" params={{ partnerId: contextPartnerId }} {...props}>
                  {content}
                </Link>
              )}
            </NavItem>
          ) : null}
          {contextPartnerId && hasPermission(session, 'api_keys.view') ? (
            <NavItem icon={Key} label="API keys" active={apiKeysActive}>
              {({ content, ...props }) => (
                <Link to="/partners/$partnerId/api-keys" params={{ partnerId: contextPartnerId }} {...props}>
                  {content}
                </Link>
              )}
            </NavItem>
          ) : null}
          {contextPartnerId && hasPermission(session, 'custom_fields.manage') ? (
            <NavItem icon={Tags} label="Custom fields" active={customFieldsActive}>
              {({ content, ...props }) => (
                <Link to="/partners/$partnerId/custom-fields" params={{ partnerId: contextPartnerId }} {...props}>
                  {content}
                </Link>
              )}
            </NavItem>
          ) : null}
          {contextPartnerId && (hasPermission(session, 'commands.manage') || hasPermission(session, 'commands.approve')) ? (
            <NavItem icon={OctagonX} label="Command settings" active={commandSettingsActive}>
              {({ content, ...props }) => (
                <Link to="/partners/$partnerId/command-settings" params={{ partnerId: contextPartnerId }} {...props}>
                  {content}
                </Link>
              )}
            </NavItem>
          ) : null}
          {contextPartnerId && hasPermission(session, 'sso.manage') ? (
            <NavItem icon={KeyRound} label="Single sign-on" active={ssoActive}>
              {({ content, ...props }) => (
                <Link to="/partners/$partnerId/sso" params={{ partnerId: contextPartnerId }} {...props}>
                  {content}
                </Link>
              )}
            </NavItem>
          ) : null}
        </ul>
      </nav>

      <div className="grid gap-1 border-t border-border p-2">
        <div className="flex items-center gap-1">
          <a
            href="/docs"
            target="_blank"
            rel="noopener"
            className="flex flex-1 items-center gap-2.5 rounded-md px-2.5 py-1.5 text-[13px] text-sidebar-foreground hover:bg-hover/70 hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring"
          >
            <BookOpen className="size-4 text-muted-foreground" aria-hidden="true" />
            API docs
          </a>
          <Tooltip content={themeLabel}>
            <Button variant="subtle" size="icon" aria-label={themeLabel} onClick={() => setTheme(nextTheme)}>
              {theme === 'dark' ? <Sun aria-hidden="true" /> : <Moon aria-hidden="true" />}
            </Button>
          </Tooltip>
        </div>

        <DropdownMenu>
          <DropdownMenuTrigger
            aria-label={`User menu for ${session.user.name || session.user.email}`}
            className="flex w-full cursor-pointer items-center gap-2.5 rounded-md px-2 py-1.5 text-left hover:bg-hover/70 focus-visible:outline-2 focus-visible:outline-ring data-[state=open]:bg-hover"
          >
            <span
              aria-hidden="true"
              className="flex size-7 shrink-0 items-center justify-center rounded-full bg-primary text-xs font-semibold text-primary-foreground"
            >
              {initials(session.user.name, session.user.email)}
            </span>
            <span className="grid min-w-0 flex-1">
              <span className="truncate text-[13px] font-medium text-foreground">{session.user.name || session.user.email}</span>
              <span className="truncate text-xs text-muted-foreground">{session.user.email}</span>
            </span>
            <ChevronsUpDown className="size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
          </DropdownMenuTrigger>
          <DropdownMenuContent side="top" align="start" className="w-56">
            <DropdownMenuLabel>
              <span className="block truncate font-medium text-foreground">{session.user.name}</span>
              <span className="block truncate text-xs text-muted-foreground">{session.user.email}</span>
            </DropdownMenuLabel>
            <DropdownMenuSeparator />
            <DropdownMenuItem onSelect={() => setTheme(nextTheme)}>
              {theme === 'dark' ? <Sun aria-hidden="true" /> : <Moon aria-hidden="true" />}
              {nextTheme === 'light' ? 'Light theme' : 'Dark theme'}
            </DropdownMenuItem>
            <DropdownMenuItem asChild>
              <Link to="/me">
                <UserRound aria-hidden="true" />
                My account
              </Link>
            </DropdownMenuItem>
            <DropdownMenuItem asChild>
              <Link to="/me/api-keys">
                <Key aria-hidden="true" />
                API keys
              </Link>
            </DropdownMenuItem>
            <DropdownMenuItem asChild>
              <Link to="/me/security">
                <UserLock aria-hidden="true" />
                Security
              </Link>
            </DropdownMenuItem>
            <DropdownMenuItem asChild>
              <a href="/docs" target="_blank" rel="noopener">
                <BookOpen aria-hidden="true" />
                API docs
              </a>
            </DropdownMenuItem>
            <DropdownMenuSeparator />
            <DropdownMenuItem onSelect={signOut} disabled={logout.isPending}>
              <LogOut aria-hidden="true" />
              Sign out
            </DropdownMenuItem>
          </DropdownMenuContent>
        </DropdownMenu>
      </div>
    </aside>
  );
}
