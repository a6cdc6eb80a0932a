import { KeyRound } from 'lucide-react';
import { Button } from '../../ui/button';
import { ssoStartHref } from './api';

/**
 * "Continue with single sign-on": a full-page navigation to the server, which
 * sends the browser on to the partner's identity provider.
 */
export function SsoSignInButton({
  startUrl,
  email,
  redirect,
  primary,
}: {
  startUrl: string;
  email: string;
  redirect: string | null;
  /** The only way in (single sign-on required), rather than an alternative to the password. */
  primary: boolean;
}) {
  return (
    <div className="grid gap-3">
      {primary ? (
        <p className="text-[13px] text-muted-foreground">Your organization signs in with single sign-on.</p>
      ) : (
        <div className="flex items-center gap-3 text-xs text-muted-foreground" aria-hidden="true">
          <span className="h-px flex-1 bg-border" />
          or
          <span className="h-px flex-1 bg-border" />
        </div>
      )}
      <Button asChild variant={primary ? 'primary' : 'secondary'} size="lg" className="w-full">
        <a href={ssoStartHref(startUrl, email, redirect)}>
          <KeyRound aria-hidden="true" />
          Continue with single sign-on
        </a>
      </Button>
    </div>
  );
}
