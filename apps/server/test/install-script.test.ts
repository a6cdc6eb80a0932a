// AGT2: the real linux.sh, run with sh against the real server on 127.0.0.1,
// installs the real agent bundle, which enrolls this machine.
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, testConfig, type PartnerFixture, type TestApp } from './support/app.js';
import { freePort } from './support/ports.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
const BUILT_AGENT = path.join(REPO, 'apps/agent/dist/cloudrmm-agent.mjs');

let t: TestApp;
let acme: PartnerFixture;
let publicUrl: string;
let work: string;
let bundlePath: string;
let bundle: Buffer;

beforeAll(async () => {
  if (!existsSync(BUILT_AGENT)) execFileSync('npm', ['run', 'build', '-w', '@cloudrmm/agent'], { cwd: REPO, stdio: 'inherit' });
  work = mkdtempSync(path.join(tmpdir(), 'cloudrmm-install-'));
  // A copy of the bundle, so the tampering test changes nothing outside this folder.
  bundlePath = path.join(work, 'cloudrmm-agent.mjs');
  copyFileSync(BUILT_AGENT, bundlePath);
  bundle = readFileSync(bundlePath);
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  t = await createTestApp({ config: testConfig({ publicUrl, agentBundle: bundlePath }) });
  await t.app.listen({ host: '127.0.0.1', port });
  acme = await t.createPartnerWithUser('Install Co');
}, 180_000);
afterAll(async () => {
  await t?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const siteUrl = () => `/api/v1/partners/${acme.partnerId}/organizations/${acme.organizationId}/sites/${acme.siteId}`;

/** The environment of a technician's shell: node on the PATH, no agent folder chosen. */
function shellEnv(extraPath: string[] = []): NodeJS.ProcessEnv {
  const { CLOUDRMM_AGENT_DIR: _chosen, ...env } = process.env;
  return { ...env, PATH: [...extraPath, path.dirname(process.execPath), process.env.PATH].join(':') };
}

/** `curl ... | sh -s -- ARGS`, asynchronously: the server answering the script runs in this process. */
function runScript(script: string, args: string[], env = shellEnv()): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-s', '--', ...args], { env, cwd: work });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(script);
  });
}

const fetchText = async (url: string) => {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return res.text();
};

async function siteCode(): Promise<string> {
  return (await t.call(acme.session, 'GET', `${siteUrl()}/enrollment`)).json().site_code;
}

async function devicesOfSite(): Promise<{ id: string; hostname: string }[]> {
  const res = await t.call(acme.session, 'GET', `/api/v1/partners/${acme.partnerId}/devices?site_id=${acme.siteId}&limit=500`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items;
}

const modeOf = (p: string) => statSync(p).mode & 0o777;

describe('linux.sh', () => {
  it('installs the agent under the prefix, enrolls this machine, and a second run keeps the enrollment', async () => {
    const code = await siteCode();
    const script = await fetchText(`${publicUrl}/install/${code}/linux.sh`);
    const prefix = path.join(work, 'opt', 'cloudrmm-agent');
    const first = await runScript(script, ['--prefix', prefix, '--no-service']);
    expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);

    // The files: the verified bundle, and a wrapper that pins node and the state folder.
    // (Buffer.equals: a deep toEqual walks half a megabyte byte by byte.)
    expect(readFileSync(path.join(prefix, 'lib/cloudrmm-agent.mjs')).equals(bundle)).toBe(true);
    const wrapperPath = path.join(prefix, 'bin/cloudrmm-agent');
    expect(modeOf(wrapperPath)).toBe(0o755);
    const wrapper = readFileSync(wrapperPath, 'utf8');
    expect(wrapper).toMatch(/^#!\/bin\/sh\n/);
    expect(wrapper).toContain(`CLOUDRMM_AGENT_DIR='${prefix}/state'\nexport CLOUDRMM_AGENT_DIR\n`);
    expect(wrapper).toMatch(new RegExp(`exec '/[^']*node' '${prefix}/lib/cloudrmm-agent\\.mjs' "\\$@"\\n$`));

    // The identity: in a folder only its owner can enter.
    const state = path.join(prefix, 'state');
    expect(modeOf(state)).toBe(0o700);
    expect(existsSync(path.join(state, 'credential.enc'))).toBe(true);

    // The device is there, under the site, and the wrapper's status names it.
    const devices = await devicesOfSite();
    expect(devices).toHaveLength(1);
    expect(devices[0]!.hostname).toBe(hostname());
    const status = JSON.parse(execFileSync(wrapperPath, ['status', '--json'], { env: shellEnv() }).toString());
    expect(status).toMatchObject({ enrolled: true, device_id: devices[0]!.id, site_id: acme.siteId, state_dir: state });

    // Idempotent: the agent is reinstalled, the enrollment kept, no second device.
    const second = await runScript(script, ['--prefix', prefix, '--no-service']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('already enrolled');
    expect(await devicesOfSite()).toHaveLength(1);
  });

  it('a tampered bundle makes it fail without installing anything', async () => {
    const script = await fetchText(`${publicUrl}/install/${await siteCode()}/linux.sh`);
    // Someone swaps the file between the script and the download (a compromised mirror, a proxy).
    writeFileSync(bundlePath, Buffer.concat([bundle, Buffer.from('\nprocess.exit(0); // not the agent\n')]));
    try {
      const prefix = path.join(work, 'tampered');
      const run = await runScript(script, ['--prefix', prefix, '--no-service']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('the downloaded agent does not match its checksum');
      expect(run.stderr).toContain('nothing was installed');
      expect(existsSync(prefix)).toBe(false);
    } finally {
      writeFileSync(bundlePath, bundle);
    }
  });

  it('the generic script enrolls with a one-time token', async () => {
    const created = (await t.call(acme.session, 'POST', `${siteUrl()}/enrollment-tokens`, { name: 'script test' })).json();
    expect(created.command.linux).toBe(`curl -fsSL '${publicUrl}/install/linux.sh' | sudo sh -s -- --token '${created.token}'`);
    const script = await fetchText(`${publicUrl}/install/linux.sh`);
    const prefix = path.join(work, 'with-token');
    const run = await runScript(script, ['--token', created.token, '--prefix', prefix, '--no-service']);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const [agent] = await t.database.ownerQuery(
      'select enrolled_via, enrollment_token_id from agents order by created_at desc limit 1',
    );
    expect(agent).toEqual({ enrolled_via: 'token', enrollment_token_id: created.id });
    // The token was for one device: a second machine (another state folder) is refused, loudly.
    const again = await runScript(script, [
      '--token',
      created.token,
      '--prefix',
      path.join(work, 'second-machine'),
      '--no-service',
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('used up');
  });

  it('refuses to run without root unless given a prefix, and with a Node.js older than 20', async () => {
    const script = await fetchText(`${publicUrl}/install/${await siteCode()}/linux.sh`);
    // A stand-in `id` makes this shell an ordinary user's, whoever runs the tests.
    const fakeBin = path.join(work, 'fake-bin');
    mkdirSync(fakeBin, { recursive: true });
    writeFileSync(path.join(fakeBin, 'id'), '#!/bin/sh\necho 1000\n');
    chmodSync(path.join(fakeBin, 'id'), 0o755);
    const user = shellEnv([fakeBin]);

    const noRoot = await runScript(script, [], user);
    expect(noRoot.code).toBe(1);
    expect(noRoot.stderr).toContain('run this as root');
    const noService = await runScript(script, ['--prefix', path.join(work, 'user-service')], user);
    expect(noService.code).toBe(1);
    expect(noService.stderr).toContain('installing the service needs root');

    const oldNode = path.join(fakeBin, 'node18');
    writeFileSync(oldNode, '#!/bin/sh\necho 18.20.4\n');
    chmodSync(oldNode, 0o755);
    const prefix = path.join(work, 'old-node');
    const tooOld = await runScript(script, ['--prefix', prefix, '--no-service', '--node', oldNode], user);
    expect(tooOld.code).toBe(1);
    expect(tooOld.stderr).toContain('Node.js 18.20.4');
    expect(tooOld.stderr).toContain('needs version 20 or later');

    const noNode = await runScript(script, ['--prefix', prefix, '--no-service', '--node', path.join(work, 'nothing-here')], user);
    expect(noNode.code).toBe(1);
    for (const p of [path.join(work, 'user-service'), prefix]) expect(existsSync(p)).toBe(false);
  });
});
