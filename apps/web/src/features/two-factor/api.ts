import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, request, setCsrfToken } from '../../api/client';
import type { Page } from '../../api/client';
import { sessionQueryKey } from '../auth/api';
import type { Session } from '../auth/api';

/** The password was right; the server wants the second factor (or, by the partner's policy, its setup) first. */
export interface PendingSignIn {
  second_factor_required: true;
  enrolment_required: boolean;
  csrf_token: string;
}

export function isPendingSignIn(answer: Session | PendingSignIn): answer is PendingSignIn {
  return 'second_factor_required' in answer && answer.second_factor_required === true;
}

export interface TwoFactorStatus {
  enabled: boolean;
  enabled_at: string | null;
  setup_pending: boolean;
  recovery_codes_left: number;
  required_by_partner: boolean;
}

export interface Enrolment {
  otpauth_uri: string;
  /** An SVG data URL. */
  qr_code: string;
  secret: string;
}

export interface RecoveryCodesAnswer {
  recovery_codes: string[];
  csrf_token: string;
}

/** A current authenticator code or the password, before turning 2FA off or replacing recovery codes. */
export type Proof = { code: string } | { password: string };

export interface TrustedDevice {
  id: string;
  user_agent: string;
  ip: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string;
  current: boolean;
}

export interface SecurityPolicy {
  require_2fa: boolean;
  users_total: number;
  users_without_2fa: number;
}

export const twoFactorKeys = {
  status: ['two-factor', 'status'] as const,
  trustedDevices: ['two-factor', 'trusted-devices'] as const,
  policy: (partnerId: string) => ['two-factor', 'policy', partnerId] as const,
};

export function useTwoFactorStatus() {
  return useQuery({
    queryKey: twoFactorKeys.status,
    queryFn: ({ signal }) => api.get<TwoFactorStatus>('/me/2fa', undefined, signal),
  });
}

export function useStartSetup() {
  return useMutation({ mutationFn: () => api.post<Enrolment>('/me/2fa/setup') });
}

/**
 * The first code turns 2FA on. The session may have been given a new token (a
 * sign-in that had to enrol first): its CSRF token comes with the answer.
 */
export function useConfirmSetup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (code: string) => api.post<RecoveryCodesAnswer>('/me/2fa/confirm', { code }),
    onSuccess: (answer) => {
      setCsrfToken(answer.csrf_token);
      void queryClient.invalidateQueries({ queryKey: twoFactorKeys.status });
      void queryClient.invalidateQueries({ queryKey: ['sessions'] });
    },
  });
}

export function useDisableTwoFactor() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (proof: Proof) => api.post<void>('/me/2fa/disable', proof),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['two-factor'] }),
  });
}

export function useRegenerateRecoveryCodes() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (proof: Proof) => api.post<RecoveryCodesAnswer>('/me/2fa/recovery-codes', proof),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: twoFactorKeys.status }),
  });
}

export type SecondFactorInput = ({ code: string } | { recovery_code: string }) & { trust_device: boolean };

/** The second step of a sign-in; a wrong code is a 401 this form shows, not a signed-out session. */
export function usePassSecondFactor() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: SecondFactorInput) =>
      (await request<Session>('/auth/second-factor', { method: 'POST', body: input, expectUnauthorized: true })).data,
    onSuccess: (session) => {
      queryClient.clear();
      setCsrfToken(session.csrf_token);
      queryClient.setQueryData(sessionQueryKey, session);
    },
  });
}

export function useTrustedDevices() {
  return useQuery({
    queryKey: twoFactorKeys.trustedDevices,
    queryFn: ({ signal }) => api.get<Page<TrustedDevice>>('/me/trusted-devices', undefined, signal),
  });
}

export function useRevokeTrustedDevice() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(`/me/trusted-devices/${encodeURIComponent(id)}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: twoFactorKeys.trustedDevices }),
  });
}

const policyPath = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}/security`;

export function useSecurityPolicy(partnerId: string | null) {
  return useQuery({
    queryKey: twoFactorKeys.policy(partnerId ?? ''),
    queryFn: ({ signal }) => api.get<SecurityPolicy>(policyPath(partnerId!), undefined, signal),
    enabled: partnerId !== null,
  });
}

export function useUpdateSecurityPolicy(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (require2fa: boolean) =>
      (await request<SecurityPolicy>(policyPath(partnerId), { method: 'PUT', body: { require_2fa: require2fa } })).data,
    onSuccess: (policy) => queryClient.setQueryData(twoFactorKeys.policy(partnerId), policy),
  });
}
