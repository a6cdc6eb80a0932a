import { useQuery } from '@tanstack/react-query';
import { Outlet, useRouter } from '@tanstack/react-router';
import { Loader2 } from 'lucide-react';
import { useEffect } from 'react';
import { sessionQueryOptions } from '../features/auth/api';
import { SessionContext } from '../features/auth/session-context';
import { CommandsHaltedBanner } from '../features/commands/halted-banner';
import { Breadcrumbs } from './breadcrumbs';
import { Sidebar } from './sidebar';
import { useLiveSocket } from './use-live-socket';

function FullPageSpinner({ label }: { label: string }) {
  return (
    <div className="flex h-full items-center justify-center" role="status">
      <Loader2 className="size-5 animate-spin text-muted-foreground" aria-hidden="true" />
      <span className="sr-only">{label}</span>
    </div>
  );
}

/** The signed-in shell: sidebar, breadcrumb bar, page. */
export function AppLayout() {
  const router = useRouter();
  const session = useQuery(sessionQueryOptions);
  const signedOut = session.data === null;
  useLiveSocket(session.data?.user.id ?? null);

  // The session ended while a page was open (expired, revoked, signed out in
  // another tab): go to sign-in once, remembering where we were.
  useEffect(() => {
    if (!signedOut) return;
    const { pathname, href } = router.state.location;
    if (pathname === '/login') return;
    void router.navigate({ to: '/login', search: { redirect: href }, replace: true });
  }, [signedOut, router]);

  if (!session.data) return <FullPageSpinner label={signedOut ? 'Going to sign-in…' : 'Loading…'} />;

  return (
    <SessionContext.Provider value={session.data}>
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-primary px-3 py-2 text-primary-foreground focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
      >
        Skip to content
      </a>
      <div className="flex min-h-full">
        <Sidebar />
        <div className="flex min-w-0 flex-1 flex-col">
          <header className="sticky top-0 z-30 flex h-12 shrink-0 items-center border-b border-border bg-background/90 px-6 backdrop-blur">
            <Breadcrumbs />
          </header>
          <CommandsHaltedBanner />
          <main id="main" tabIndex={-1} className="flex-1 px-6 py-6 focus:outline-none">
            <div className="mx-auto w-full max-w-[1400px]">
              <Outlet />
            </div>
          </main>
        </div>
      </div>
    </SessionContext.Provider>
  );
}
