// OPS6, security.md 34: secrets at rest are sealed with the master key.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMasterKey, SecretBox } from '../src/platform/secrets.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and never shows the plaintext', () => {
    const sealed = box.encrypt('JBSWY3DPEHPK3PXP', 'totp:user-1');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(sealed.startsWith(`v1:${box.keyId}:`)).toBe(true);
    expect(box.decrypt(sealed, 'totp:user-1')).toBe('JBSWY3DPEHPK3PXP');
    expect(box.encrypt('same', 'c')).not.toBe(box.encrypt('same', 'c')); // fresh IV each time
  });

  it('refuses a value moved to another context, altered, or sealed with another key', () => {
    const sealed = box.encrypt('s3cret', 'oidc:partner-a');
    expect(() => box.decrypt(sealed, 'oidc:partner-b')).toThrow();
    const parts = sealed.split(':');
    parts[4] = Buffer.from('tampered!').toString('base64url');
    expect(() => box.decrypt(parts.join(':'), 'oidc:partner-a')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).decrypt(sealed, 'oidc:partner-a')).toThrow(/another master key/);
  });

  it('uses CLOUDRMM_MASTER_KEY, or generates one into the data folder once (mode 0600)', async () => {
    const configured = randomBytes(32);
    expect((await loadMasterKey(configured.toString('base64'), '/nonexistent')).equals(configured)).toBe(true);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudrmm-key-'));
    try {
      const first = await loadMasterKey(null, dir);
      expect(first.length).toBe(32);
      expect((await fs.stat(path.join(dir, 'master.key'))).mode & 0o777).toBe(0o600);
      expect((await loadMasterKey(null, dir)).equals(first)).toBe(true);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
