// Outgoing mail: SMTP_URL / SMTP_FROM are validated at start, and without a
// mail server the mail (link included) goes to the log, so a laptop still works.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { createMailer, renderHtml } from '../src/platform/mail/mailer.js';
import { createTestApp, PASSWORD, testConfig, type TestApp } from './support/app.js';
import { startTestSmtp, type TestSmtp } from './support/smtp.js';

/** A pino logger whose JSON lines land in an array. */
function capturingLog() {
  const lines: { level: number; msg: string; link?: string; mail?: { to: string } }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

describe('configuration', () => {
  it('has a From by default and no mail server', () => {
    const c = loadConfig({}, []);
    expect(c.smtpUrl).toBeNull();
    expect(c.smtpFrom).toBe('CloudRMM <no-reply@localhost>');
    const set = loadConfig({ SMTP_URL: 'smtps://u:p@mail.example.com:465', SMTP_FROM: 'Acme RMM <rmm@acme.example>' }, []);
    expect(set).toMatchObject({ smtpUrl: 'smtps://u:p@mail.example.com:465', smtpFrom: 'Acme RMM <rmm@acme.example>' });
  });

  it.each([
    [{ SMTP_URL: 'http://mail.example.com' }, 'SMTP_URL'],
    [{ SMTP_URL: 'not a url' }, 'SMTP_URL'],
    [{ SMTP_FROM: 'CloudRMM' }, 'SMTP_FROM'],
    [{ SMTP_FROM: 'a@b.c\r\nBcc: x@y.z' }, 'SMTP_FROM'],
  ])('refuses %o naming the variable', (env, expected) => {
    expect(() => loadConfig(env, [])).toThrow(ConfigError);
    expect(() => loadConfig(env, [])).toThrow(expected);
  });

  it('never echoes the SMTP password in its error', () => {
    expect(() => loadConfig({ SMTP_URL: 'imap://user:hunter2-secret@mail.example.com' }, [])).toThrow(/^(?!.*hunter2)/s);
  });
});

describe('without SMTP_URL', () => {
  let t: TestApp;
  const captured = capturingLog();
  beforeAll(async () => {
    t = await createTestApp({ config: testConfig({ smtpUrl: null, publicUrl: 'http://localhost:3000' }), log: captured.log });
  });
  afterAll(() => t.close());

  it('writes the invitation, link included, to the log at info level; the link works', async () => {
    const p = await t.createPartnerWithUser('Laptop MSP');
    const [role] = await t.database.ownerQuery<{ id: string }>(`select id from roles where key = 'readonly'`);
    const email = 'laptop-user@example.test';
    const res = await t.call(p.session, 'POST', `/api/v1/partners/${p.partnerId}/users/invitations`, {
      email,
      name: 'Laptop',
      role_id: role!.id,
      scope_type: 'partner',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().invitation_sent).toBe(true);
    const line = captured.lines.find((l) => l.mail?.to === email)!;
    expect(line.level).toBe(30);
    expect(line.link).toMatch(/^http:\/\/localhost:3000\/invite\/[A-Za-z0-9_-]{43}$/);
    expect(line.msg).toContain(line.link!);
    const token = line.link!.split('/').pop()!;
    const accepted = await t.app.inject({
      method: 'POST',
      url: `/api/v1/auth/invitations/${token}/accept`,
      payload: { password: PASSWORD },
    });
    expect(accepted.statusCode).toBe(200);
  });
});

describe('the SMTP mailer', () => {
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startTestSmtp();
  });
  afterAll(() => smtp.close());

  it('sends text and HTML through the server in SMTP_URL, with its credentials, from SMTP_FROM', async () => {
    const { log } = capturingLog();
    const mailer = createMailer({ smtpUrl: smtp.url, smtpFrom: 'Ops <ops@example.test>' }, log);
    try {
      await mailer.send({
        to: 'someone@example.test',
        subject: 'Hello\r\nBcc: evil@example.test',
        paragraphs: ['Dear <b>you</b> & co'],
        action: { label: 'Open', url: 'https://rmm.example.test/x?a=1&b=2' },
      });
    } finally {
      mailer.close();
    }
    const mail = await smtp.waitFor('someone@example.test');
    expect(mail.from).toBe('ops@example.test');
    expect(mail.to).toEqual(['someone@example.test']);
    expect(mail.raw).not.toMatch(/^bcc:/im);
    expect(mail.subject).toBe('Hello Bcc: evil@example.test');
    expect(mail.text).toContain('Dear <b>you</b> & co');
    expect(mail.text).toContain('https://rmm.example.test/x?a=1&b=2');
    expect(mail.html).toContain('Dear &lt;b&gt;you&lt;/b&gt; &amp; co');
    expect(mail.html).toContain('href="https://rmm.example.test/x?a=1&amp;b=2"');
  });

  it('rejects with the reason when the server refuses, and logs no link', async () => {
    const { log, lines } = capturingLog();
    const wrong = smtp.url.replace('mail-secret', 'wrong-secret');
    const mailer = createMailer({ smtpUrl: wrong, smtpFrom: 'Ops <ops@example.test>' }, log);
    try {
      await expect(
        mailer.send({
          to: 'x@example.test',
          subject: 'S',
          paragraphs: ['p'],
          action: { label: 'Go', url: 'https://rmm.example.test/invite/SECRET-TOKEN' },
        }),
      ).rejects.toThrow(/did not accept/);
    } finally {
      mailer.close();
    }
    expect(JSON.stringify(lines)).not.toContain('SECRET-TOKEN');
    expect(lines.some((l) => l.level === 50)).toBe(true);
  });

  it('renders user-supplied text inert in HTML', () => {
    const html = renderHtml({ to: 'a@b.c', subject: 's', paragraphs: ['<script>alert(1)</script>'], footer: ['"quoted"'] });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('&quot;quoted&quot;');
  });
});
