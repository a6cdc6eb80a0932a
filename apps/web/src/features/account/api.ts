import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, request, setCsrfToken } from '../../api/client';
import { sessionQueryKey } from '../auth/api';
import type { Session } from '../auth/api';
import type { PendingSignIn } from '../two-factor/api';

export const MIN_PASSWORD_LENGTH = 12;

export interface Me {
  id: string;
  email: string;
  name: string;
  status: 'invited' | 'active' | 'suspended';
  partner_id: string | null;
  partner_name: string | null;
  last_seen_at: string | null;
  created_at: string;
  version: number;
}

const meKey = ['me'] as const;

export function useMe() {
  return useQuery({ queryKey: meKey, queryFn: ({ signal }) => api.get<Me>('/me', undefined, signal) });
}

export function useUpdateMe() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; version: number }) => api.patch<Me>('/me', body),
    onSuccess: (me) => {
      queryClient.setQueryData(meKey, me);
      // The name in the sidebar comes with the session.
      return queryClient.invalidateQueries({ queryKey: sessionQueryKey });
    },
  });
}

export function useChangePassword() {
  return useMutation({
    mutationFn: (body: { current_password: string; new_password: string }) => api.post<void>('/me/password', body),
  });
}

// One-time links from email (no session yet) ---------------------------------

export interface Invitation {
  email: string;
  name: string;
  partner_name: string | null;
  expires_at: string;
}

const tokenPath = (token: string) => encodeURIComponent(token);

export function useInvitation(token: string) {
  return useQuery({
    queryKey: ['invitation', token],
    queryFn: ({ signal }) => api.get<Invitation>(`/auth/invitations/${tokenPath(token)}`, undefined, signal),
    retry: false,
    staleTime: Infinity,
  });
}

/** Accepting signs in, like the sign-in form: a fresh cache for the new user. */
export function useAcceptInvitation(token: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: { password: string; name?: string }) =>
      (
        await request<Session | PendingSignIn>(`/auth/invitations/${tokenPath(token)}/accept`, {
          method: 'POST',
          body,
          expectUnauthorized: true,
        })
      ).data,
    onSuccess: (answer) => {
      queryClient.clear();
      setCsrfToken(answer.csrf_token);
      if (!('second_factor_required' in answer)) queryClient.setQueryData(sessionQueryKey, answer);
    },
  });
}

export function useRequestPasswordReset() {
  return useMutation({
    mutationFn: (email: string) =>
      request<{ status: 'accepted' }>('/auth/password-reset', { method: 'POST', body: { email }, expectUnauthorized: true }),
  });
}

export function useResetPassword(token: string) {
  return useMutation({
    mutationFn: (newPassword: string) =>
      request<void>(`/auth/password-reset/${tokenPath(token)}`, {
        method: 'POST',
        body: { new_password: newPassword },
        expectUnauthorized: true,
      }),
  });
}

/** The same checks the server makes, said before asking it. */
export function checkNewPassword(password: string, confirm: string): { password?: string; confirm?: string } {
  if (password.length < MIN_PASSWORD_LENGTH) return { password: `Use at least ${MIN_PASSWORD_LENGTH} characters.` };
  if (password !== confirm) return { confirm: 'The two passwords are not the same.' };
  return {};
}
