import { useDocumentTitle } from '../../app/use-document-title';
import { PageHeader } from '../../ui/page-header';
import { useSession } from '../auth/session-context';
import { MySessionsCard } from '../sessions/my-sessions-card';
import { PartnerPolicyCard } from './partner-policy-card';
import { TrustedBrowsersCard } from './trusted-browsers-card';
import { TwoFactorCard } from './two-factor-card';

/** The signed-in user's own security: two-factor sign-in, trusted browsers, sessions. */
export function SecurityPage() {
  const session = useSession();
  useDocumentTitle('Security');
  const partner = session.partner;
  const managesPolicy = partner !== null && session.permissions.includes('security.manage');

  return (
    <div className="grid max-w-4xl gap-5">
      <PageHeader
        title="Security"
        description={
          <>
            How <span className="font-medium text-foreground">{session.user.email}</span> signs in, and where it is signed in.
          </>
        }
      />
      <TwoFactorCard />
      <TrustedBrowsersCard />
      <MySessionsCard />
      {managesPolicy ? <PartnerPolicyCard partnerId={partner.id} partnerName={partner.name} /> : null}
    </div>
  );
}
