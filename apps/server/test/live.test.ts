// security.md 12, 21: the browser's live socket is authenticated, Origin-checked,
// and closed when its session ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SESSION_ENDED } from '../src/platform/live/live.js';
import { createTestApp, type PartnerFixture, type Session, type TestApp } from './support/app.js';

let t: TestApp;
let acme: PartnerFixture;
let base: string;

beforeAll(async () => {
  t = await createTestApp();
  acme = await t.createPartnerWithUser('Acme IT');
  const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = address.replace('http', 'ws');
});
afterAll(() => t.close());

type Opened = { socket: WebSocket; first: Promise<unknown>; closed: Promise<{ code: number; reason: string }> };

function connect(session: Session | null, origin: string | null): Promise<Opened | { status: number }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (session) headers.cookie = session.cookie;
    if (origin) headers.origin = origin;
    const socket = new WebSocket(`${base}/api/v1/live`, { headers });
    const first = new Promise((r) => socket.once('message', (d) => r(JSON.parse(d.toString()))));
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      socket.once('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    socket.once('open', () => resolve({ socket, first, closed }));
    socket.once('unexpected-response', (req, res) => {
      req.destroy(); // ws leaves a refused upgrade's connection to us
      resolve({ status: res.statusCode ?? 0 });
    });
    socket.once('error', reject);
  });
}

const sameOrigin = () => base.replace('ws', 'http');

describe('live socket', () => {
  it('opens for a signed-in browser of this origin and says hello', async () => {
    const c = await connect(acme.session, sameOrigin());
    if (!('socket' in c)) throw new Error(`refused with ${c.status}`);
    expect(await c.first).toEqual({ type: 'hello', user_id: acme.session.userId });
    c.socket.close();
  });

  it('is refused without a session, from a foreign origin, or with no origin at all', async () => {
    expect(await connect(null, sameOrigin())).toEqual({ status: 401 });
    expect(await connect(acme.session, 'https://evil.example')).toEqual({ status: 403 });
    expect(await connect(acme.session, null)).toEqual({ status: 403 });
  });

  it('closes within seconds when its session is revoked elsewhere', async () => {
    const session = await t.login(acme.email);
    const c = await connect(session, sameOrigin());
    if (!('socket' in c)) throw new Error(`refused with ${c.status}`);
    await c.first;
    const started = Date.now();
    expect((await t.call(session, 'POST', '/api/v1/auth/logout')).statusCode).toBe(204);
    const closed = await c.closed;
    expect(closed.code).toBe(SESSION_ENDED);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('closes when the user is suspended, and keeps other sessions open', async () => {
    const other = await t.createPartnerWithUser('Other MSP');
    const keep = await connect(acme.session, sameOrigin());
    const drop = await connect(other.session, sameOrigin());
    if (!('socket' in keep) || !('socket' in drop)) throw new Error('refused');
    await t.database.ownerQuery(`update users set status = 'suspended' where id = $1`, [other.session.userId]);
    expect((await drop.closed).code).toBe(SESSION_ENDED);
    expect(keep.socket.readyState).toBe(WebSocket.OPEN);
    keep.socket.close();
  });
});
