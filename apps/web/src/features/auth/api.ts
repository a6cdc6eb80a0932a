import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { isApiError, request, setCsrfToken } from '../../api/client';
import type { PendingSignIn } from '../two-factor/api';

export type Permission =
  | 'partners.view'
  | 'partners.manage'
  | 'organizations.view'
  | 'organizations.manage'
  | 'sites.view'
  | 'sites.manage'
  | 'roles.view'
  | 'roles.manage'
  | 'users.view'
  | 'users.manage'
  | 'audit.view'
  | 'audit.view_platform'
  | 'sso.manage'
  | 'api_keys.view'
  | 'api_keys.manage'
  | 'devices.view'
  | 'devices.manage'
  | 'devices.enroll'
  | 'scripts.view'
  | 'scripts.manage'
  | 'commands.view'
  | 'commands.run'
  | 'commands.approve'
  | 'commands.manage'
  | 'custom_fields.manage';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  partner_id: string | null;
  is_platform_admin: boolean;
}

export interface Session {
  user: SessionUser;
  partner: { id: string; name: string } | null;
  permissions: string[];
  csrf_token: string;
}

export const sessionQueryKey = ['auth', 'session'] as const;

async function fetchSession(): Promise<Session | null> {
  try {
    const { data } = await request<Session>('/auth/session', { expectUnauthorized: true });
    setCsrfToken(data.csrf_token);
    return data;
  } catch (error) {
    if (isApiError(error) && error.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

/** null = signed out. Re-checked in the background so an expired session is noticed. */
export const sessionQueryOptions = queryOptions({
  queryKey: sessionQueryKey,
  queryFn: fetchSession,
  staleTime: 5 * 60_000,
  retry: false,
});

export interface LoginInput {
  email: string;
  password: string;
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: LoginInput) => {
      const { data } = await request<Session | PendingSignIn>('/auth/login', {
        method: 'POST',
        body: input,
        expectUnauthorized: true,
      });
      return data;
    },
    onSuccess: (answer) => {
      // Nothing cached for a previous user may be shown to this one.
      queryClient.clear();
      setCsrfToken(answer.csrf_token);
      // A sign-in that still owes its second factor is not a session yet.
      if (!('second_factor_required' in answer)) queryClient.setQueryData(sessionQueryKey, answer);
    },
  });
}

/**
 * Signs out, then loads the sign-in page afresh: nothing of this user's data
 * (query cache, component state) survives in memory for the next one.
 */
export function useLogout() {
  return useMutation({
    mutationFn: async () => {
      try {
        await request<void>('/auth/logout', { method: 'POST', expectUnauthorized: true });
      } catch (error) {
        // Already signed out is the outcome we wanted.
        if (!(isApiError(error) && error.status === 401)) throw error;
      }
    },
    onSuccess: () => {
      setCsrfToken(null);
      window.location.assign('/login');
    },
  });
}

export function hasPermission(session: Session, permission: Permission): boolean {
  return session.user.is_platform_admin || session.permissions.includes(permission);
}

/** Where "/" leads: platform admins to partners, partner users to their organizations. */
export function homeLocation(
  session: Session,
): { to: '/partners' } | { to: '/partners/$partnerId/organizations'; params: { partnerId: string } } | null {
  if (session.user.is_platform_admin) return { to: '/partners' };
  const partnerId = session.user.partner_id ?? session.partner?.id ?? null;
  if (partnerId) return { to: '/partners/$partnerId/organizations', params: { partnerId } };
  return null;
}

/** Only same-app paths are followed after sign-in (no open redirect). */
export function safeRedirect(target: unknown): string | null {
  if (typeof target !== 'string') return null;
  if (!target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) return null;
  if (target === '/login' || target.startsWith('/login?')) return null;
  return target;
}
