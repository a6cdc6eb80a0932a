import { useSession } from '../auth/session-context';
import { usePartner } from './api';

/**
 * A partner's display name and row. A partner user's own partner name comes
 * with the session, so the breadcrumb never waits for it.
 */
export function usePartnerSummary(partnerId: string | undefined) {
  const session = useSession();
  const query = usePartner(partnerId ?? '', Boolean(partnerId));
  const own = session.partner && session.partner.id === partnerId ? session.partner.name : undefined;
  return {
    name: query.data?.name ?? own,
    partner: query.data,
    query,
  };
}
