import { createHash, randomBytes, randomInt } from 'node:crypto';

/**
 * The two things that pay for an enrollment (AGT1, security.md 23): a site's
 * public code (printed in its install link) and one-time tokens.
 *
 * Site codes are letters and digits only, so they can be put in a URL path, a
 * shell command and a PowerShell string without escaping; the install routes
 * still check the pattern before interpolating one.
 */
export const SITE_CODE_PATTERN = /^[A-Za-z0-9]{20,64}$/;
const SITE_CODE_LENGTH = 32; // about 190 bits
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function newSiteCode(): string {
  let code = '';
  for (let i = 0; i < SITE_CODE_LENGTH; i++) code += BASE62[randomInt(BASE62.length)];
  return code;
}

/** `cret_<public prefix>_<secret>`: the prefix names the token in lists, the server keeps the sha256 of the whole. */
export const ENROLLMENT_TOKEN_PATTERN = /^cret_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/;
export const TOKEN_PREFIX = 'cret_';
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function newEnrollmentToken(): { token: string; prefix: string; hash: Buffer } {
  let prefix = '';
  for (let i = 0; i < 8; i++) prefix += PREFIX_ALPHABET[randomInt(PREFIX_ALPHABET.length)];
  const token = `${TOKEN_PREFIX}${prefix}_${randomBytes(32).toString('base64url')}`;
  return { token, prefix, hash: hashEnrollmentToken(token) };
}

export function hashEnrollmentToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
