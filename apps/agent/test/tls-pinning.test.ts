import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli.js';
import { silentLogger } from '../src/log.js';
import { Registry } from '../src/registry.js';
import { loadIdentity } from '../src/state/credential.js';
import { readRunStatus } from '../src/state/status-file.js';
import { AgentConnection } from '../src/transport/connection.js';
import { makeCa, makeServerCert, type CertPair } from './support/certs.js';
import { captureIo } from './support/cli-io.js';
import { startFakeServer, type FakeServer } from './support/fake-server.js';

let certDir: string;
let caA: CertPair;
let caB: CertPair;
let leafA: CertPair;
let leafB: CertPair;
let selfSigned: CertPair;
const servers: FakeServer[] = [];
const connections: AgentConnection[] = [];

function agentEnv() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-tls-'));
  const machineId = path.join(dir, 'machine-id');
  writeFileSync(machineId, 'tls-test-machine\n');
  return { CLOUDRMM_AGENT_DIR: path.join(dir, 'state'), CLOUDRMM_AGENT_MACHINE_ID_FILE: machineId };
}

async function server(tls?: CertPair) {
  const s = await startFakeServer(tls ? { cert: tls.cert, key: tls.key } : undefined);
  servers.push(s);
  return s;
}

function connect(env: NodeJS.ProcessEnv, dev = false) {
  const connection = new AgentConnection({
    stateDir: env.CLOUDRMM_AGENT_DIR!,
    dev,
    registry: new Registry(),
    log: silentLogger,
    env,
  });
  connections.push(connection);
  return connection;
}

beforeAll(() => {
  try {
    execFileSync('which', ['openssl']);
  } catch {
    throw new Error('the openssl CLI is needed to generate test certificates');
  }
  certDir = mkdtempSync(path.join(os.tmpdir(), 'agent-certs-'));
  caA = makeCa(certDir, 'Test CA A');
  caB = makeCa(certDir, 'Test CA B');
  leafA = makeServerCert(certDir, 'server-a', caA);
  leafB = makeServerCert(certDir, 'server-b', caB);
  selfSigned = makeServerCert(certDir, 'self-signed', null);
});

afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

afterAll(() => rmSync(certDir, { recursive: true, force: true }));

describe('TLS policy (AGT17, security.md 22)', () => {
  it('refuses plaintext to a non-loopback host, with or without --dev', async () => {
    for (const extra of [[], ['--dev']]) {
      const { io, err } = captureIo(agentEnv());
      const code = await runCli(['enroll', '--server', 'http://rmm.example.com', '--site-code', 'abc', ...extra], io);
      expect(code).toBe(2);
      expect(err()).toMatch(/refusing plaintext http:\/\/ to rmm\.example\.com/);
    }
  });

  it('refuses http on loopback without --dev, before sending anything', async () => {
    const s = await server();
    const { io, err } = captureIo(agentEnv());
    const code = await runCli(['enroll', '--server', s.url, '--site-code', 'abc'], io);
    expect(code).toBe(2);
    expect(err()).toMatch(/without --dev/);
    expect(s.upgrades).toHaveLength(0);
  });

  it('accepts http on loopback with --dev and connects with the bearer credential and no Origin', async () => {
    const s = await server();
    const env = agentEnv();
    const { io } = captureIo(env);
    expect(await runCli(['enroll', '--server', s.url.replace('127.0.0.1', 'localhost'), '--site-code', 'abc', '--dev'], io)).toBe(
      0,
    );
    const identity = await loadIdentity(env.CLOUDRMM_AGENT_DIR, env);
    expect(identity.pinned).toBeNull();
    const connection = connect(env, true);
    await connection.start();
    await vi.waitFor(() => expect(readRunStatus(env.CLOUDRMM_AGENT_DIR)?.state).toBe('connected'), { timeout: 10_000 });
    expect(s.upgrades[0]).toEqual({ authorization: `Bearer ${s.credential}`, origin: undefined });
  });

  it('refuses an https server whose certificate is not trusted, unless --ca-file is given', async () => {
    for (const cert of [selfSigned, leafA]) {
      const s = await server(cert);
      const { io, err } = captureIo(agentEnv());
      expect(await runCli(['enroll', '--server', s.url, '--site-code', 'abc'], io)).toBe(1);
      expect(err()).toMatch(/certificate is not trusted .*--ca-file/);
    }
  });

  it('accepts --ca-file, pins the CA the chain led to, and connects over wss', async () => {
    const s = await server(leafA);
    const env = agentEnv();
    const { io, out } = captureIo(env);
    expect(await runCli(['enroll', '--server', s.url, '--site-code', 'abc', '--ca-file', caA.certFile], io)).toBe(0);
    expect(out()).toMatch(/Pinned certificate authority: CN=Test CA A/);
    const identity = await loadIdentity(env.CLOUDRMM_AGENT_DIR, env);
    const caDer = new X509Certificate(caA.cert).raw;
    expect(identity.pinned?.ca_sha256).toBe(createHash('sha256').update(caDer).digest('hex'));
    expect(identity.pinned?.ca_subject).toBe('CN=Test CA A');

    const connection = connect(env);
    await connection.start();
    await vi.waitFor(() => expect(readRunStatus(env.CLOUDRMM_AGENT_DIR)?.state).toBe('connected'), { timeout: 10_000 });
  });

  it('refuses to run once the server presents a certificate from a different CA', async () => {
    const s = await server(leafA);
    const env = agentEnv();
    const { io } = captureIo(env);
    expect(await runCli(['enroll', '--server', s.url, '--site-code', 'abc', '--ca-file', caA.certFile], io)).toBe(0);
    s.setTlsContext(leafB.cert, leafB.key);
    const connection = connect(env);
    await connection.start();
    await vi.waitFor(
      () => {
        const status = readRunStatus(env.CLOUDRMM_AGENT_DIR);
        expect(status?.state).toBe('disconnected');
        expect(status?.last_error).toMatch(/does not lead to the certificate authority pinned at enrollment \(CN=Test CA A\)/);
      },
      { timeout: 10_000 },
    );
    expect(s.upgrades).toHaveLength(0);
  });

  it('--dev with https skips verification with a loud warning', async () => {
    const s = await server(selfSigned);
    const env = agentEnv();
    const { io, err } = captureIo(env);
    expect(await runCli(['enroll', '--server', s.url, '--site-code', 'abc', '--dev'], io)).toBe(0);
    expect(err()).toMatch(/WARNING: --dev with https: the server certificate is NOT verified/);
  });
});
