import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CredentialError,
  loadIdentity,
  readEnrollmentRecord,
  saveIdentity,
  type AgentIdentity,
} from '../src/state/credential.js';
import { ensureStateDir, stateDir, stateFiles, writeFileAtomic } from '../src/state/state-dir.js';

const identity: AgentIdentity = {
  server: 'https://rmm.example.com',
  socket_path: '/agent/v1/ws',
  agent_id: '0f2b6a3e-6a2d-4c1c-9f47-0a0b0c0d0e0f',
  device_id: '11111111-2222-4333-8444-555555555555',
  partner_id: '21111111-2222-4333-8444-555555555555',
  organization_id: '31111111-2222-4333-8444-555555555555',
  site_id: '41111111-2222-4333-8444-555555555555',
  credential: `crma_0f2b6a3e6a2d4c1c9f470a0b0c0d0e0f_${'s'.repeat(43)}`,
  server_version: '1.0.0',
  enrolled_at: '2026-01-01T00:00:00.000Z',
  pinned: null,
};

function machine(name: string) {
  const base = mkdtempSync(path.join(os.tmpdir(), `agent-state-${name}-`));
  const idFile = path.join(base, 'machine-id');
  writeFileSync(idFile, `${name}-${Math.random()}\n`);
  return { dir: path.join(base, 'state'), env: { CLOUDRMM_AGENT_MACHINE_ID_FILE: idFile } as NodeJS.ProcessEnv };
}

const mode = (file: string) => statSync(file).mode & 0o777;

describe('agent state (AGT16, security.md 19)', () => {
  it('uses CLOUDRMM_AGENT_DIR, else /var/lib/cloudrmm-agent', () => {
    expect(stateDir({ CLOUDRMM_AGENT_DIR: '/tmp/x' })).toBe('/tmp/x');
    expect(stateDir({})).toBe('/var/lib/cloudrmm-agent');
  });

  it('creates the directory 0700 and tightens one that exists looser', () => {
    const { dir } = machine('mode');
    ensureStateDir(dir);
    expect(mode(dir)).toBe(0o700);
    chmodSync(dir, 0o755);
    ensureStateDir(dir);
    expect(mode(dir)).toBe(0o700);
  });

  it('stores the credential encrypted, mode 0600, and reads it back on the same machine', async () => {
    const { dir, env } = machine('roundtrip');
    await saveIdentity(dir, identity, env);
    const files = stateFiles(dir);
    expect(mode(dir)).toBe(0o700);
    expect(mode(files.credential)).toBe(0o600);
    expect(mode(files.salt)).toBe(0o600);
    if (process.getuid?.() === 0) expect(statSync(files.credential).uid).toBe(0);
    const onDisk = readFileSync(files.credential, 'utf8');
    expect(onDisk).not.toContain('crma_');
    expect(onDisk).not.toContain(identity.device_id);
    expect(await loadIdentity(dir, env)).toEqual(identity);
    // The non-secret record `status` reads carries no credential.
    expect(JSON.stringify(readEnrollmentRecord(dir))).not.toContain('crma_');
  });

  it('keeps the per-install salt across re-enrollment, with a fresh nonce each write', async () => {
    const { dir, env } = machine('salt');
    await saveIdentity(dir, identity, env);
    const salt = readFileSync(stateFiles(dir).salt);
    const first = readFileSync(stateFiles(dir).credential, 'utf8');
    await saveIdentity(dir, identity, env);
    expect(readFileSync(stateFiles(dir).salt).equals(salt)).toBe(true);
    expect(readFileSync(stateFiles(dir).credential, 'utf8')).not.toBe(first);
  });

  it('a state directory copied to another machine cannot be decrypted, with a clear error', async () => {
    const a = machine('host-a');
    const b = machine('host-b');
    await saveIdentity(a.dir, identity, a.env);
    mkdirSync(path.dirname(b.dir), { recursive: true });
    cpSync(a.dir, b.dir, { recursive: true });
    await expect(loadIdentity(b.dir, b.env)).rejects.toThrow(CredentialError);
    await expect(loadIdentity(b.dir, b.env)).rejects.toThrow(
      /cannot be decrypted on this machine: it is bound to the machine it was enrolled on/,
    );
    // And the original still works where it was written.
    expect((await loadIdentity(a.dir, a.env)).credential).toBe(identity.credential);
  });

  it('a tampered credential file is refused, not half-read', async () => {
    const { dir, env } = machine('tamper');
    await saveIdentity(dir, identity, env);
    const file = stateFiles(dir).credential;
    const sealed = JSON.parse(readFileSync(file, 'utf8')) as { data: string };
    const bytes = Buffer.from(sealed.data, 'base64');
    bytes[0]! ^= 1;
    writeFileSync(file, JSON.stringify({ ...sealed, data: bytes.toString('base64') }));
    await expect(loadIdentity(dir, env)).rejects.toThrow(/cannot be decrypted/);
  });

  it('says how to enroll when there is no credential', async () => {
    const { dir, env } = machine('none');
    await expect(loadIdentity(dir, env)).rejects.toThrow(/not enrolled .*cloudrmm-agent enroll/);
  });

  it('writes atomically and leaves no temporary files', () => {
    const { dir } = machine('atomic');
    ensureStateDir(dir);
    const file = path.join(dir, 'thing.json');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, 'two', 0o644);
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(mode(file)).toBe(0o644);
    expect(readdirSync(dir)).toEqual(['thing.json']);
    expect(existsSync(`${file}.tmp`)).toBe(false);
  });
});
