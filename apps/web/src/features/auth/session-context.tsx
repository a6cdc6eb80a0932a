import { createContext, useContext } from 'react';
import { hasPermission } from './api';
import type { Permission, Session } from './api';

export const SessionContext = createContext<Session | null>(null);

/** The signed-in session; only used below the authenticated layout. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession must be used inside the signed-in layout');
  return session;
}

export function useCan(permission: Permission): boolean {
  return hasPermission(useSession(), permission);
}
