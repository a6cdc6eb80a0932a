import { SMTPServer } from 'smtp-server';
import { freePort } from './ports.js';

/** One message as the mail server received it, decoded. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  raw: string;
}

export interface TestSmtp {
  /** What to put in SMTP_URL (with the credentials the server demands). */
  url: string;
  received: ReceivedMail[];
  /** Waits for the next message to this address that arrives after `since` messages. */
  waitFor: (to: string, opts?: { timeoutMs?: number; since?: number }) => Promise<ReceivedMail>;
  close: () => Promise<void>;
}

/** A real SMTP server on a free loopback port that keeps what it is sent (plain SMTP, AUTH required). */
export async function startTestSmtp(): Promise<TestSmtp> {
  const port = await freePort();
  const received: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'mailer' && auth.password === 'mail-secret') return callback(null, { user: 'mailer' });
      return callback(new Error('invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        received.push({
          ...parseMessage(raw),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          raw,
        });
        for (const w of waiters) w();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  const waitFor: TestSmtp['waitFor'] = (to, opts = {}) => {
    const since = opts.since ?? 0;
    const find = () => received.slice(since).find((m) => m.to.includes(to.toLowerCase()));
    return new Promise((resolve, reject) => {
      const hit = find();
      if (hit) return resolve(hit);
      const check = () => {
        const m = find();
        if (!m) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `no mail to ${to} within ${opts.timeoutMs ?? 10_000} ms (received: ${received.map((m) => m.to.join(',')).join('; ') || 'none'})`,
          ),
        );
      }, opts.timeoutMs ?? 10_000);
      waiters.add(check);
    });
  };

  return {
    url: `smtp://mailer:mail-secret@127.0.0.1:${port}`,
    received,
    waitFor,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The token of the first link to `${base}/${path}/<token>` in a mail's text. */
export function linkToken(mail: ReceivedMail, path: 'invite' | 'reset-password'): string {
  const m = new RegExp(`https?://[^\\s/]+/${path}/([A-Za-z0-9_-]+)`).exec(mail.text);
  if (!m) throw new Error(`no /${path}/ link in the mail:\n${mail.text}`);
  return m[1]!;
}

// A small MIME reader: enough for what nodemailer sends (multipart/alternative, QP or base64 parts).

function parseMessage(raw: string): { subject: string; text: string; html: string } {
  const { headers, body } = splitHeaders(raw);
  const subject = decodeWords(headers.get('subject') ?? '');
  const parts = collectParts(headers, body);
  return {
    subject,
    text: parts.find((p) => p.type === 'text/plain')?.body ?? '',
    html: parts.find((p) => p.type === 'text/html')?.body ?? '',
  };
}

function splitHeaders(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body };
}

function collectParts(headers: Map<string, string>, body: string): { type: string; body: string }[] {
  const contentType = headers.get('content-type') ?? 'text/plain';
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
    if (!boundary) return [];
    return body
      .split(`--${boundary}`)
      .slice(1)
      .filter((p) => !p.startsWith('--'))
      .flatMap((p) => {
        const part = splitHeaders(p.replace(/^\r?\n/, ''));
        return collectParts(part.headers, part.body);
      });
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const decoded =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(body)
        : body;
  return [{ type, body: decoded.replace(/\r\n/g, '\n') }];
}

function decodeQuotedPrintable(s: string): string {
  const bytes = s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => `%${h}`);
  // Percent-decode as UTF-8, leaving stray % alone.
  return bytes.replace(/(%[0-9A-F]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

function decodeWords(s: string): string {
  return s.replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
  );
}
