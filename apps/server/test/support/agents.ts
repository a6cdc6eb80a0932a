import {
  AGENT_SOCKET_PATH,
  commandSigningInput,
  contentHash,
  type CommandEnvelope,
  type CommandResult,
  decodeServerFrame,
  encodeAgentFrame,
  PROTOCOL_VERSION,
  type AgentMessageType,
  type AgentPayload,
  type EncodeOptions,
  type Inventory,
  type ServerFrame,
  type ServerMessageType,
  type ServerPayload,
  type Status,
} from '@cloudrmm/protocol';
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { enrollDevice, type EnrolledDevice } from '../../src/modules/devices/devices.enroll.js';
import type { PartnerFixture, TestApp } from './app.js';

/** A device and agent enrolled behind the API (the enrollment endpoint has its own tests). */
export function enrollTestDevice(
  t: TestApp,
  f: Pick<PartnerFixture, 'partnerId' | 'organizationId' | 'siteId'>,
  hostname = `host-${Math.random().toString(36).slice(2, 8)}`,
): Promise<EnrolledDevice> {
  return t.database.db.withTenant(f.partnerId, (tx) =>
    enrollDevice(tx, {
      tenantId: f.partnerId,
      organizationId: f.organizationId,
      siteId: f.siteId,
      via: 'token',
      enrollmentTokenId: null,
      remoteIp: null,
      agent: { hostname, agent_version: '0.1.0', protocol_version: PROTOCOL_VERSION, os: 'linux', arch: 'x64' },
    }),
  );
}

export type Refused = { status: number; body: string };

/** A fake agent speaking the protocol over a real socket, for gateway tests. */
export class TestAgent {
  private readonly queue: ServerFrame[] = [];
  private readonly waiters: { match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Every raw frame received, including invalid ones. */
  readonly received: string[] = [];

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((r) => socket.once('close', (code, reason) => r({ code, reason: reason.toString() })));
    socket.on('message', (data: Buffer) => {
      const text = data.toString();
      this.received.push(text);
      const decoded = decodeServerFrame(text);
      if (!decoded.ok) throw new Error(`the server sent an invalid frame: ${decoded.message}`);
      const i = this.waiters.findIndex((w) => w.match(decoded.frame));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(decoded.frame);
      else this.queue.push(decoded.frame);
    });
  }

  /** Opens the agent socket; `credential` null sends no Authorization header. */
  static connect(base: string, credential: string | null, headers: Record<string, string> = {}): Promise<TestAgent | Refused> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${base}${AGENT_SOCKET_PATH}`, {
        headers: { ...(credential ? { authorization: `Bearer ${credential}` } : {}), ...headers },
      });
      const agent = new TestAgent(socket);
      socket.once('open', () => resolve(agent));
      socket.once('unexpected-response', (req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      socket.once('error', reject);
    });
  }

  static async open(base: string, credential: string): Promise<TestAgent> {
    const a = await TestAgent.connect(base, credential);
    if (!(a instanceof TestAgent)) throw new Error(`agent socket refused: ${a.status} ${a.body}`);
    return a;
  }

  /** The next frame of this type (or matching), waiting up to `ms`. */
  next<T extends ServerMessageType>(
    type: T | ((f: ServerFrame) => boolean),
    ms = 5_000,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const match = typeof type === 'function' ? type : (f: ServerFrame) => f.type === type;
    const i = this.queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0] as Extract<ServerFrame, { type: T }>);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: resolve as (f: ServerFrame) => void };
      this.waiters.push(waiter);
      setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) {
          this.waiters.splice(at, 1);
          reject(new Error(`no ${typeof type === 'string' ? type : 'matching'} frame within ${ms} ms`));
        }
      }, ms);
    });
  }

  /** Frames received and not yet taken by next(). */
  pending(): ServerFrame[] {
    return [...this.queue];
  }

  send<T extends AgentMessageType>(type: T, payload: AgentPayload<T>, options?: EncodeOptions): string {
    const frame = encodeAgentFrame(type, payload, options);
    this.socket.send(frame);
    return (JSON.parse(frame) as { id: string }).id;
  }

  raw(data: string | Buffer): void {
    this.socket.send(data);
  }

  /** Answers every request of a type with what `answer` returns. */
  answer<T extends 'processes.list' | 'disk.usage'>(
    type: T,
    answer: (payload: ServerPayload<T>) => [AgentMessageType, unknown],
  ): void {
    this.socket.on('message', (data: Buffer) => {
      const decoded = decodeServerFrame(data.toString());
      if (!decoded.ok || decoded.frame.type !== type) return;
      const [replyType, payload] = answer(decoded.frame.payload as ServerPayload<T>);
      this.socket.send(encodeAgentFrame(replyType, payload as never, { re: decoded.frame.id }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

export function sampleInventory(overrides: Partial<Inventory> = {}): { hash: string; inventory: Inventory } {
  const inventory: Inventory = {
    hostname: 'web-01',
    fqdn: 'web-01.acme.test',
    os: {
      platform: 'linux',
      name: 'Debian GNU/Linux 12 (bookworm)',
      distro: 'debian',
      version: '12.7',
      codename: 'bookworm',
      kernel: '6.1.0-25-amd64',
      arch: 'x64',
    },
    hardware: { vendor: 'QEMU', model: 'Standard PC', virtual: true },
    cpu: { brand: 'Intel Xeon', cores: 4, physical_cores: 2, speed_ghz: 2.4 },
    memory: { total_bytes: 8 * 1024 ** 3 },
    disks: [{ device: '/dev/vda', size_bytes: 100 * 1024 ** 3 }],
    file_systems: [{ mount: '/', device: '/dev/vda1', fs_type: 'ext4', size_bytes: 100 * 1024 ** 3 }],
    network: [
      { name: 'lo', mac: '00:00:00:00:00:00', ipv4: ['127.0.0.1'], ipv6: ['::1'] },
      { name: 'eth0', mac: '52:54:00:AB:CD:EF', ipv4: ['10.20.30.40'], ipv6: ['fe80::5054:ff:feab:cdef'] },
    ],
    software: [
      { name: 'openssl', version: '3.0.14', publisher: 'Debian', source: 'dpkg' },
      { name: 'curl', version: '7.88.1', source: 'dpkg', size_bytes: 500_000 },
      { name: 'nginx', version: '1.22.1', source: 'dpkg' },
    ],
    timezone: 'Etc/UTC',
    ...overrides,
  };
  return { hash: contentHash(inventory), inventory };
}

export function sampleStatus(overrides: Partial<Status> = {}): Status {
  return {
    uptime_seconds: 3600,
    cpu_percent: 12.5,
    memory_used_bytes: 2 * 1024 ** 3,
    file_systems: [{ mount: '/', used_bytes: 40 * 1024 ** 3, size_bytes: 100 * 1024 ** 3 }],
    logged_in_users: [{ user: 'alice', terminal: 'pts/0' }],
    temperatures: [],
    ...overrides,
  };
}

export const wsBase = (address: string) => address.replace(/^http/, 'ws');

/**
 * An agent socket spoken by hand over TCP, for peers that misbehave in ways
 * the `ws` client never does: it does not answer the server's close frame and
 * goes on sending frames after it.
 */
export class RawAgent {
  private buffer = Buffer.alloc(0);
  /** Opcodes of the frames received, in order (1 text, 8 close). */
  readonly opcodes: number[] = [];
  /** Resolves with the code of the server's close frame when it arrives. */
  readonly closeFrame: Promise<number>;
  /** Resolves when the server ends the TCP connection. */
  readonly ended: Promise<void>;
  private onCloseFrame!: (code: number) => void;

  private constructor(private readonly socket: Socket) {
    this.closeFrame = new Promise((r) => (this.onCloseFrame = r));
    this.ended = new Promise((r) => socket.once('close', () => r()));
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    socket.on('error', () => {});
  }

  /** Opens the socket with the upgrade handshake; resolves once the server switched protocols. */
  static open(base: string, credential: string): Promise<RawAgent> {
    const url = new URL(`${base.replace(/^ws/, 'http')}${AGENT_SOCKET_PATH}`);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname);
      socket.once('error', reject);
      socket.once('connect', () =>
        socket.write(
          [
            `GET ${url.pathname} HTTP/1.1`,
            `Host: ${url.host}`,
            'Upgrade: websocket',
            'Connection: Upgrade',
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
            'Sec-WebSocket-Version: 13',
            `Authorization: Bearer ${credential}`,
            '',
            '',
          ].join('\r\n'),
        ),
      );
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const status = head.subarray(0, end).toString().split(' ')[1];
        if (status !== '101') {
          socket.destroy();
          reject(new Error(`agent socket refused: ${status}`));
          return;
        }
        const agent = new RawAgent(socket);
        agent.buffer = head.subarray(end + 4);
        agent.parse();
        resolve(agent);
      };
      socket.on('data', onData);
    });
  }

  /** Sends a frame (masked, as a client must), whatever state the server thinks the socket is in. */
  send<T extends AgentMessageType>(type: T, payload: AgentPayload<T>): void {
    const data = Buffer.from(encodeAgentFrame(type, payload));
    if (data.length > 0xffff) throw new Error('RawAgent sends frames up to 64 KiB');
    const mask = randomBytes(4);
    const length =
      data.length < 126 ? Buffer.from([0x80 | data.length]) : Buffer.from([0x80 | 126, data.length >> 8, data.length & 0xff]);
    const masked = Buffer.from(data.map((b, i) => b ^ mask[i % 4]!));
    if (!this.socket.destroyed) this.socket.write(Buffer.concat([Buffer.from([0x81]), length, mask, masked]));
  }

  destroy(): void {
    this.socket.destroy();
  }

  private parse(): void {
    for (;;) {
      if (this.buffer.length < 2) return;
      const opcode = this.buffer[0]! & 0x0f;
      let length = this.buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffer.length < offset + length) return;
      const body = this.buffer.subarray(offset, offset + length);
      this.buffer = this.buffer.subarray(offset + length);
      this.opcodes.push(opcode);
      if (opcode === 8) this.onCloseFrame(body.length >= 2 ? body.readUInt16BE(0) : 1005);
    }
  }
}

/** Checks an envelope as an agent must before running it: signed by `publicKey`, unaltered, for this device and partner, unexpired. */
export function verifyEnvelope(
  envelope: CommandEnvelope,
  publicKey: KeyObject,
  expected: { deviceId: string; partnerId: string },
): string | null {
  const { payload, signature, ...fields } = envelope;
  if (!signature) return 'unsigned';
  if (!verify(null, commandSigningInput(fields), publicKey, Buffer.from(signature, 'base64'))) return 'bad_signature';
  if (contentHash(payload) !== envelope.payload_hash) return 'altered';
  if (envelope.device_id !== expected.deviceId) return 'wrong_device';
  if (envelope.partner_id !== expected.partnerId) return 'wrong_partner';
  if (envelope.expires_at < Date.now()) return 'expired';
  return null;
}

/** The command-signing public key as an agent keeps it (SPKI DER, base64). */
export const commandPublicKey = (spkiBase64: string) =>
  createPublicKey({ key: Buffer.from(spkiBase64, 'base64'), format: 'der', type: 'spki' });

/**
 * A fake agent that answers commands: it verifies every envelope (and fails
 * the test on a bad one), then accepts, streams and reports as told.
 */
export class CommandAgent {
  readonly commands: CommandEnvelope[] = [];
  readonly cancels: string[] = [];
  readonly acks: string[] = [];
  private constructor(
    readonly agent: TestAgent,
    private readonly publicKey: KeyObject,
    private readonly who: { deviceId: string; partnerId: string },
  ) {
    agent.socket.on('message', (data: Buffer) => {
      const decoded = decodeServerFrame(data.toString());
      if (!decoded.ok) return;
      const f = decoded.frame;
      if (f.type === 'command') {
        const refusal = verifyEnvelope(f.payload.envelope, this.publicKey, this.who);
        if (refusal) throw new Error(`the server sent an envelope the agent refuses: ${refusal}`);
        this.commands.push(f.payload.envelope);
      }
      if (f.type === 'command.cancel') this.cancels.push(f.payload.run_id);
      if (f.type === 'command.result.ack') this.acks.push(f.payload.run_id);
    });
  }

  static async open(
    base: string,
    device: { credential: string; deviceId: string },
    partnerId: string,
    publicKey: KeyObject,
  ): Promise<CommandAgent> {
    const agent = await TestAgent.open(base, device.credential);
    await agent.next('welcome');
    return new CommandAgent(agent, publicKey, { deviceId: device.deviceId, partnerId });
  }

  /** The next `command` frame's envelope (verified). */
  async nextCommand(ms = 5_000): Promise<CommandEnvelope> {
    const f = await this.agent.next('command', ms);
    return f.payload.envelope;
  }

  accept(runId: string): void {
    this.agent.send('command.accepted', { run_id: runId, started_at: Date.now() });
  }

  output(runId: string, seq: number, data: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    this.agent.send('command.output', { run_id: runId, seq, stream, data });
  }

  result(runId: string, r: Partial<CommandResult> = {}): void {
    const now = Date.now();
    this.agent.send('command.result', {
      result: {
        run_id: runId,
        status: 'succeeded',
        exit_code: 0,
        stdout: '',
        stderr: '',
        stdout_truncated: false,
        stderr_truncated: false,
        started_at: now - 10,
        finished_at: now,
        ...r,
      },
    });
  }

  /** Waits for the server's acknowledgement of a result. */
  async ack(runId: string, ms = 5_000): Promise<void> {
    await this.agent.next((f) => f.type === 'command.result.ack' && f.payload.run_id === runId, ms);
  }

  close(): void {
    this.agent.close();
  }
}
