import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Page } from '../../api/client';

/** One of the signed-in user's sessions (GET /me/sessions). */
export interface MySession {
  id: string;
  user_agent: string;
  ip: string | null;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  state: 'active' | 'awaiting_second_factor' | 'awaiting_enrolment';
  current: boolean;
}

export const sessionKeys = { mine: ['sessions', 'mine'] as const };

export function useMySessions() {
  return useQuery({
    queryKey: sessionKeys.mine,
    queryFn: ({ signal }) => api.get<Page<MySession>>('/me/sessions', undefined, signal),
  });
}

export function useRevokeSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(`/me/sessions/${encodeURIComponent(id)}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionKeys.mine }),
  });
}

export function useRevokeOtherSessions() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<{ revoked: number }>('/me/sessions/revoke-others'),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionKeys.mine }),
  });
}
