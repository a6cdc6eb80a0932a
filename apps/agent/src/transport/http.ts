import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { capturePinned, explainTlsError, type PinnedServer } from '../state/pinning.js';
import type { TlsPolicy } from './tls-policy.js';

export interface JsonResponse {
  status: number;
  body: unknown;
  /** What the TLS connection showed (https only). */
  peer: PinnedServer | null;
}

export class ServerUnreachableError extends Error {}

const MAX_RESPONSE_BYTES = 1024 * 1024;

/** POSTs JSON to the server under the agent's TLS policy; a TLS failure becomes a clear message. */
export function postJson(origin: string, path: string, body: unknown, tls: TlsPolicy, timeoutMs = 30_000): Promise<JsonResponse> {
  const url = new URL(path, origin);
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': payload.length, accept: 'application/json' },
      timeout: timeoutMs,
      // A fresh connection each time: the chain seen must belong to this request.
      agent: false,
    };
    if (secure) Object.assign(options, { ca: tls.ca, rejectUnauthorized: tls.rejectUnauthorized });
    const request = (secure ? https : http).request(url, options, (response) => {
      const socket = response.socket as TLSSocket;
      let peer: PinnedServer | null = null;
      if (secure) {
        try {
          peer = capturePinned(socket);
        } catch {
          peer = null;
        }
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) request.destroy(new Error('the server response is too large'));
        else chunks.push(chunk);
      });
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          parsed = text;
        }
        resolve({ status: response.statusCode ?? 0, body: parsed, peer });
      });
      response.on('error', reject);
    });
    request.on('timeout', () =>
      request.destroy(Object.assign(new Error(`no answer from ${origin} within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })),
    );
    request.on('error', (error) => {
      const tlsMessage = explainTlsError(error, tls.pinned);
      reject(new ServerUnreachableError(tlsMessage ?? `cannot reach ${origin}: ${error.message}`, { cause: error }));
    });
    request.end(payload);
  });
}

/** The API's one error shape, `{error: {code, message}}`, or whatever text came back. */
export function serverErrorMessage(response: JsonResponse): string {
  const body = response.body as { error?: { code?: unknown; message?: unknown } } | string | null;
  if (body && typeof body === 'object' && body.error && typeof body.error.message === 'string') {
    return typeof body.error.code === 'string' ? `${body.error.message} (${body.error.code})` : body.error.message;
  }
  if (typeof body === 'string' && body.trim()) return `HTTP ${response.status}: ${body.trim().slice(0, 300)}`;
  return `HTTP ${response.status}`;
}
