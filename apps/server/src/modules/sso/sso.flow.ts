import type { SecretBox } from '../../platform/secrets.js';

/**
 * A sign-in in flight, between the redirect to the identity provider and its
 * answer. It lives in the browser that started it, as an HttpOnly cookie
 * sealed with the master key: the callback trusts nothing else, so a code or
 * state carried to another browser, or a cookie edited, leads nowhere.
 */
export interface SsoFlow {
  partnerId: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** A dashboard path to open afterwards. */
  redirect: string | null;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export const FLOW_COOKIE = 'crmm_sso_flow';
export const FLOW_TTL_SECONDS = 10 * 60;
export const FLOW_COOKIE_PATH = '/api/v1/auth/sso/callback';
const CONTEXT = 'sso-flow';

export function sealFlow(secrets: SecretBox, flow: SsoFlow): string {
  return secrets.encrypt(JSON.stringify(flow), CONTEXT);
}

/** The flow, or null when the cookie is missing, altered, sealed under another key, or expired. */
export function openFlow(secrets: SecretBox, sealed: string | undefined): SsoFlow | null {
  if (!sealed || sealed.length > 4096) return null;
  try {
    const flow = JSON.parse(secrets.decrypt(sealed, CONTEXT)) as Partial<SsoFlow>;
    const strings = [flow.partnerId, flow.state, flow.nonce, flow.codeVerifier].every(
      (v) => typeof v === 'string' && v.length > 0,
    );
    if (!strings || typeof flow.expiresAt !== 'number' || flow.expiresAt < Date.now()) return null;
    return { ...(flow as SsoFlow), redirect: typeof flow.redirect === 'string' ? flow.redirect : null };
  } catch {
    return null;
  }
}

/** Only dashboard paths are followed after sign-in (no open redirect). */
export function safeRedirect(target: string | undefined | null): string | null {
  if (!target || !target.startsWith('/') || target.startsWith('//') || target.includes('\\')) return null;
  if (target.startsWith('/api/') || target === '/login' || target.startsWith('/login?')) return null;
  return /^[\x21-\x7e]*$/.test(target) ? target : null;
}
