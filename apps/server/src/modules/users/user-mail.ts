import type { MailMessage } from '../../platform/mail/mailer.js';

export const INVITATION_DAYS = 7;
export const RESET_MINUTES = 60;

export function invitationMail(input: {
  to: string;
  name: string;
  inviter: { name: string; email: string };
  partnerName: string;
  roleLabel: string;
  url: string;
}): MailMessage {
  const inviter = input.inviter.name ? `${input.inviter.name} (${input.inviter.email})` : input.inviter.email;
  return {
    to: input.to,
    subject: `You are invited to ${input.partnerName} on CloudRMM`,
    paragraphs: [
      `Hello ${input.name},`,
      `${inviter} invited you to join ${input.partnerName} on CloudRMM as ${input.roleLabel}.`,
      `Choose a password to activate your account. The link works once and expires in ${INVITATION_DAYS} days.`,
    ],
    action: { label: 'Accept the invitation', url: input.url },
    footer: ['If you did not expect this invitation, ignore this email: nothing happens until the link is used.'],
  };
}

export function passwordResetMail(input: { to: string; name: string; url: string }): MailMessage {
  return {
    to: input.to,
    subject: 'Reset your CloudRMM password',
    paragraphs: [
      `Hello ${input.name || input.to},`,
      `Someone asked to reset the password of your CloudRMM account. Choose a new one with the link below; it works once and expires in ${RESET_MINUTES} minutes. Setting it signs you out everywhere.`,
    ],
    action: { label: 'Choose a new password', url: input.url },
    footer: ['If you did not ask for this, ignore this email: your password stays as it is.'],
  };
}
