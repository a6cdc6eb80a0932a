import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api } from '../../api/client';

/** A partner's single sign-on settings (GET /partners/:id/sso). The client secret never comes back. */
export interface SsoSettings {
  partner_id: string;
  enabled: boolean;
  require_sso: boolean;
  issuer_url: string;
  client_id: string;
  client_secret_set: boolean;
  allowed_domains: string[];
  default_role_id: string | null;
  redirect_uri: string;
  start_url: string;
  /** 0 until first saved. */
  version: number;
  updated_at: string | null;
}

export interface SsoSettingsInput {
  issuer_url?: string;
  client_id?: string;
  /** Left out: the stored secret stays. */
  client_secret?: string;
  allowed_domains?: string[];
  default_role_id?: string | null;
  enabled?: boolean;
  require_sso?: boolean;
  version: number;
}

export interface SsoTestResult {
  ok: boolean;
  message: string;
  issuer?: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  userinfo_endpoint?: string;
  jwks_uri?: string;
  scopes_supported?: string[];
  warnings: string[];
}

export interface SsoDiscovery {
  sso: boolean;
  start_url?: string;
  required?: boolean;
}

export const ssoKeys = {
  settings: (partnerId: string) => ['sso', partnerId, 'settings'] as const,
  discovery: (domain: string) => ['sso', 'discovery', domain] as const,
};

const ssoPath = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}/sso`;

export function useSsoSettings(partnerId: string) {
  return useQuery({
    queryKey: ssoKeys.settings(partnerId),
    queryFn: ({ signal }) => api.get<SsoSettings>(ssoPath(partnerId), undefined, signal),
  });
}

export function useUpdateSsoSettings(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: SsoSettingsInput) => api.patch<SsoSettings>(ssoPath(partnerId), input),
    onSuccess: (saved) => queryClient.setQueryData(ssoKeys.settings(partnerId), saved),
  });
}

export function useTestSsoConnection(partnerId: string) {
  return useMutation({
    mutationFn: (input: { issuer_url?: string; client_id?: string; client_secret?: string }) =>
      api.post<SsoTestResult>(`${ssoPath(partnerId)}/test`, input),
  });
}

/** The domain part of something that looks like a whole email address, or null while it is still being typed. */
export function emailDomain(email: string): string | null {
  const match = /^[^\s@]+@([^\s@]+\.[^\s@]{2,})$/.exec(email.trim());
  return match ? match[1]!.toLowerCase() : null;
}

/** Whether an email signs in through single sign-on; asked per domain, since that is all the answer depends on. */
export function useSsoDiscovery(email: string) {
  // Asked once the typing pauses, not for every letter of the domain.
  const settled = useDebounced(email, 350);
  const domain = emailDomain(settled);
  const query = useQuery({
    queryKey: ssoKeys.discovery(domain ?? ''),
    queryFn: () => api.post<SsoDiscovery>('/auth/sso/discover', { email: settled.trim() }),
    enabled: domain !== null,
    staleTime: 60_000,
    retry: false,
  });
  const current = domain !== null && domain === emailDomain(email);
  const found = current && query.data?.sso === true && query.data.start_url ? query.data : null;
  return { startUrl: found?.start_url ?? null, required: found?.required === true };
}

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** The start URL with where to go afterwards and who is signing in (the provider pre-fills it). */
export function ssoStartHref(startUrl: string, email: string, redirect: string | null): string {
  const params = new URLSearchParams();
  if (redirect) params.set('redirect', redirect);
  if (email.trim()) params.set('login_hint', email.trim());
  const qs = params.toString();
  return qs ? `${startUrl}?${qs}` : startUrl;
}

/** What the sign-in page says for `/login?error=<code>` after a single sign-on came back refused. */
export function ssoErrorMessage(code: string | undefined): string | null {
  if (!code) return null;
  switch (code) {
    case 'sso_unavailable':
      return 'Single sign-on is not available for your organization right now. Ask your administrator.';
    case 'sso_idp_unreachable':
      return 'Your identity provider could not be reached. Try again in a moment.';
    case 'sso_expired':
      return 'The single sign-on took too long, or was started in another browser. Start it again.';
    case 'sso_state':
      return 'The answer from your identity provider did not belong to this sign-in. Start it again.';
    case 'sso_denied':
      return 'Sign-in was cancelled at your identity provider.';
    case 'sso_email_missing':
      return 'Your identity provider did not share your email address. Ask your administrator to allow the "email" scope.';
    case 'sso_email_unverified':
      return 'Your identity provider has not verified your email address.';
    case 'sso_domain':
      return 'Your email domain is not allowed to sign in to this CloudRMM partner.';
    case 'sso_email_in_use':
      return 'Your email address already belongs to another CloudRMM account. Ask your administrator.';
    case 'sso_account_disabled':
      return 'Your CloudRMM account is suspended. Ask your administrator.';
    default:
      return 'Single sign-on failed: your identity provider’s answer could not be verified. Try again, or ask your administrator to check the single sign-on settings.';
  }
}
