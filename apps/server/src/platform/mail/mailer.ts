import { createTransport, type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';

/** One email: plain text always, HTML built from the same words. */
export interface MailMessage {
  to: string;
  subject: string;
  /** Paragraphs of the body, as plain text. */
  paragraphs: string[];
  /** The one thing to click (an invitation or reset link) and its label. */
  action?: { label: string; url: string };
  /** Closing lines under the link (why you got this, what to do if you did not ask). */
  footer?: string[];
}

export interface Mailer {
  /** Resolves once the mail server has accepted the message; rejects otherwise. */
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/**
 * The mailer for this configuration: SMTP through nodemailer when SMTP_URL is
 * set; otherwise the mail, link included, is written to the log at info level,
 * so a laptop without a mail server can still follow invitations and resets.
 */
export function createMailer(config: Pick<Config, 'smtpUrl' | 'smtpFrom'>, log: Logger): Mailer {
  if (!config.smtpUrl) return new LogMailer(log);
  return new SmtpMailer(config.smtpUrl, config.smtpFrom, log);
}

class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
    private readonly log: Logger,
  ) {
    // A request waits for the mail server: give up in seconds, not nodemailer's minutes.
    this.transport = createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.from,
        to: message.to,
        subject: headerSafe(message.subject),
        text: renderText(message),
        html: renderHtml(message),
      });
      this.log.info({ mail: { to: message.to, subject: message.subject } }, 'mail sent');
    } catch (error) {
      // The message says what failed; the link (a secret) stays out of the log.
      this.log.error(
        { mail: { to: message.to, subject: message.subject }, err: { message: (error as Error).message } },
        'mail could not be sent',
      );
      throw new Error(`the mail server did not accept the message: ${(error as Error).message}`, { cause: error });
    }
  }

  close(): void {
    this.transport.close();
  }
}

class LogMailer implements Mailer {
  constructor(private readonly log: Logger) {}

  send(message: MailMessage): Promise<void> {
    this.log.info(
      { mail: { to: message.to, subject: message.subject }, link: message.action?.url ?? null },
      `mail not sent (SMTP_URL is not set); it would have said:\n${renderText(message)}`,
    );
    return Promise.resolve();
  }

  close(): void {}
}

/** Names and subjects come from users: no line breaks into the headers. */
function headerSafe(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').slice(0, 200);
}

export function renderText(m: MailMessage): string {
  const parts = [...m.paragraphs];
  if (m.action) parts.push(`${m.action.label}:\n${m.action.url}`);
  if (m.footer?.length) parts.push(...m.footer);
  return parts.join('\n\n') + '\n';
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Every value is escaped: user-supplied names render as text in any mail client. */
export function renderHtml(m: MailMessage): string {
  const p = (s: string, style = '') => `<p style="margin:0 0 16px;${style}">${escapeHtml(s).replace(/\n/g, '<br>')}</p>`;
  const body = [...m.paragraphs.map((s) => p(s))];
  if (m.action) {
    const href = escapeHtml(m.action.url);
    body.push(
      `<p style="margin:24px 0"><a href="${href}" style="background:#2563eb;color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:600">${escapeHtml(m.action.label)}</a></p>`,
      p(`Or open this link: ${m.action.url}`, 'font-size:12px;color:#6b7280;word-break:break-all'),
    );
  }
  for (const f of m.footer ?? []) body.push(p(f, 'font-size:12px;color:#6b7280'));
  return `<!doctype html><html><body style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;font-size:14px;color:#111827;max-width:560px;margin:0 auto;padding:24px">${body.join('')}</body></html>`;
}
