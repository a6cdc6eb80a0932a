import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/** The built agent bundle, as the install script downloads it. */
export const AGENT_BUNDLE = path.resolve(import.meta.dirname, '../../apps/agent/dist/cloudrmm-agent.mjs');
const exec = promisify(execFile);

export type Api = <T = unknown>(method: string, route: string, body?: unknown) => Promise<{ status: number; json: T }>;

/** Signs in over HTTP and returns a caller of `/api/v1` with that session (cookie and CSRF token). */
export async function signIn(url: string, email: string, password: string): Promise<Api> {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) throw new Error(`sign-in as ${email} answered ${login.status}`);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
  const csrf = ((await login.json()) as { csrf_token: string }).csrf_token;
  return async <T>(method: string, route: string, body?: unknown) => {
    const res = await fetch(`${url}/api/v1${route}`, {
      method,
      headers: {
        cookie,
        'x-csrf-token': csrf,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
  };
}

/** A real agent process of the built bundle, with its own state folder. */
export class RealAgent {
  child: ChildProcess | null = null;
  private output = '';

  private constructor(
    readonly stateDir: string,
    private readonly scratch: string,
  ) {}

  /** A fresh state folder under the system's temp folder. */
  static async create(): Promise<RealAgent> {
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudrmm-agent-e2e-'));
    return new RealAgent(path.join(scratch, 'state'), scratch);
  }

  /** Runs one CLI command of the agent (enroll, status ...) to completion. */
  cli(args: string[]) {
    return exec(process.execPath, [AGENT_BUNDLE, ...args], {
      env: { ...process.env, CLOUDRMM_AGENT_DIR: this.stateDir },
      timeout: 60_000,
    });
  }

  /** Enrolls with a one-time token (loopback HTTP, hence --dev) and returns the device id. */
  async enroll(url: string, token: string): Promise<string> {
    await this.cli(['enroll', '--server', url, '--token', token, '--dev']);
    return (await this.status()).device_id!;
  }

  async status() {
    const { stdout } = await this.cli(['status', '--json']);
    return JSON.parse(stdout) as { enrolled: boolean; device_id?: string; connection?: string; [k: string]: unknown };
  }

  /** Starts `run` in the background (with extra environment, e.g. CLOUDRMM_AGENT_REBOOT_COMMAND); its log is kept. */
  start(env: Record<string, string> = {}): this {
    const child = spawn(process.execPath, [AGENT_BUNDLE, 'run', '--dev'], {
      env: { ...process.env, ...env, CLOUDRMM_AGENT_DIR: this.stateDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d) => (this.output += d));
    this.child = child;
    return this;
  }

  get log(): string {
    return this.output;
  }

  /** Stops the running process with this signal and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
    await fs.rm(this.scratch, { recursive: true, force: true });
  }
}

/** Polls the device until it is online; outside a test (beforeAll), where expect.poll is not allowed. */
export async function waitOnline(api: Api, partnerId: string, deviceId: string, agent: RealAgent, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if ((await api<{ online: boolean }>('GET', `/partners/${partnerId}/devices/${deviceId}`)).json.online) return;
    if (Date.now() > deadline) throw new Error(`the agent did not come online within ${ms} ms; its log:\n${agent.log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
