// The wire protocol (GW2, GW3): what both sides rely on before anything acts on a frame.
import { describe, expect, it } from 'vitest';
import {
  AgentMessages,
  contentHash,
  decodeAgentFrame,
  decodeServerFrame,
  encodeAgentFrame,
  encodeServerFrame,
  HelloRequest,
  HelloResponse,
  matches,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  REPLIES,
  ServerMessages,
} from '../src/index.js';

describe('envelope', () => {
  it('round-trips a frame with its type, id, time and reply-to', () => {
    const raw = encodeServerFrame('processes.list', { sort: 'cpu', limit: 10 }, { id: 'req-1' });
    const reply = encodeAgentFrame('processes.list.result', { processes: [], total: 0, sampled_ms: 5 }, { re: 'req-1' });
    const a = decodeServerFrame(raw);
    const b = decodeAgentFrame(reply);
    expect(a).toMatchObject({ ok: true, frame: { v: PROTOCOL_VERSION, type: 'processes.list', id: 'req-1' } });
    expect(b).toMatchObject({ ok: true, frame: { type: 'processes.list.result', re: 'req-1', payload: { sampled_ms: 5 } } });
    if (a.ok) expect(a.frame.ts).toBeGreaterThan(Date.now() - 10_000);
  });

  it('refuses a frame above the size limit before parsing it', () => {
    const huge = '{"v":1,"type":"heartbeat","id":"x","ts":1,"payload":{"pad":"' + 'a'.repeat(MAX_FRAME_BYTES) + '"}}';
    expect(decodeAgentFrame(huge)).toMatchObject({ ok: false, code: 'frame_too_large' });
    expect(decodeAgentFrame(Buffer.from(huge))).toMatchObject({ ok: false, code: 'frame_too_large' });
  });

  it('names what is wrong: not JSON, no envelope, unknown type, bad payload, too old', () => {
    expect(decodeAgentFrame('not json')).toMatchObject({ ok: false, code: 'malformed_frame' });
    expect(decodeAgentFrame('[]')).toMatchObject({ ok: false, code: 'malformed_frame' });
    expect(decodeAgentFrame('{"v":1,"type":"heartbeat","id":"x","ts":1}')).toMatchObject({ ok: false, code: 'malformed_frame' });
    expect(decodeAgentFrame('{"v":1,"type":"rm.rf","id":"x","ts":1,"payload":{}}')).toMatchObject({
      ok: false,
      code: 'unknown_type',
      id: 'x',
    });
    const bad = decodeAgentFrame('{"v":1,"type":"heartbeat","id":"x","ts":1,"payload":{"seq":-1}}');
    expect(bad).toMatchObject({ ok: false, code: 'invalid_payload', id: 'x' });
    if (!bad.ok) expect(bad.message).toContain('seq');
    expect(decodeAgentFrame('{"v":0,"type":"heartbeat","id":"x","ts":1,"payload":{}}')).toMatchObject({
      ok: false,
      code: 'unsupported_version',
    });
  });

  it('keeps the directions apart: a server message is not a valid agent frame', () => {
    expect(
      decodeAgentFrame(encodeServerFrame('config', { config: { heartbeat_seconds: 30, inventory_minutes: 15 } })),
    ).toMatchObject({
      ok: false,
      code: 'unknown_type',
    });
    // payloads carry no extra fields either: nothing unchecked reaches a handler
    expect(decodeAgentFrame('{"v":1,"type":"heartbeat","id":"x","ts":1,"payload":{"device_id":"other"}}')).toMatchObject({
      ok: false,
      code: 'invalid_payload',
    });
  });

  it('answers every request type with a reply type the other side knows', () => {
    for (const [request, reply] of Object.entries(REPLIES)) {
      expect(ServerMessages).toHaveProperty([request]);
      expect(AgentMessages).toHaveProperty([reply]);
    }
  });
});

describe('bootstrap (the hello that never changes)', () => {
  it('accepts the first version’s hello, and one with fields added since', () => {
    const v1 = { agent_version: '0.1.0', protocol_version: 1, os: 'linux', arch: 'x64' };
    expect(matches(HelloRequest, v1)).toBe(true);
    expect(matches(HelloRequest, { ...v1, channel: 'beta', features: ['x'] })).toBe(true);
    expect(matches(HelloRequest, { agent_version: '0.1.0', os: 'linux', arch: 'x64' })).toBe(false);
  });

  it('keeps the response’s required fields exactly as protocol 1 shipped them', () => {
    expect([...(HelloResponse.required ?? [])].sort()).toEqual(['action', 'latest_protocol', 'min_protocol', 'server_version']);
    expect([...(HelloRequest.required ?? [])].sort()).toEqual(['agent_version', 'arch', 'os', 'protocol_version']);
  });
});

describe('content hash', () => {
  it('is the same for the same content in any key order, and differs when anything changes', () => {
    const a = { hostname: 'pc-1', os: { name: 'Debian', version: '12' }, software: [{ name: 'curl', version: '8' }] };
    const b = { software: [{ version: '8', name: 'curl' }], os: { version: '12', name: 'Debian' }, hostname: 'pc-1' };
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash({ ...a, hostname: 'pc-2' })).not.toBe(contentHash(a));
  });
});
