import { Link, useParams } from '@tanstack/react-router';
import { OctagonX } from 'lucide-react';
import { hasPermission } from '../auth/api';
import { useSession } from '../auth/session-context';
import { useCommandSettings } from './api';

/**
 * The red line across every page while the partner's kill switch is engaged
 * (security.md 28): nobody should start a command without knowing.
 */
export function CommandsHaltedBanner() {
  const session = useSession();
  const { partnerId: routePartnerId } = useParams({ strict: false });
  const partnerId = routePartnerId ?? session.user.partner_id ?? session.partner?.id ?? '';
  const canView = hasPermission(session, 'commands.view');
  const settings = useCommandSettings(partnerId, canView && Boolean(partnerId));
  const data = settings.data;
  if (!data?.halted || !partnerId) return null;
  const canManage = hasPermission(session, 'commands.manage');
  return (
    <div
      role="alert"
      data-testid="commands-halted-banner"
      className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-destructive bg-destructive px-6 py-2 text-[13px] text-destructive-foreground"
    >
      <OctagonX className="size-4 shrink-0" aria-hidden="true" />
      <p className="min-w-0 flex-1">
        <span className="font-semibold">Commands are halted.</span> No script, command or reboot runs until the kill switch is
        released{data.halted_reason ? `: “${data.halted_reason}”` : '.'}
        {data.halted_by_name ? ` (engaged by ${data.halted_by_name})` : ''}
      </p>
      <Link
        to="/partners/$partnerId/command-settings"
        params={{ partnerId }}
        className="shrink-0 font-medium underline underline-offset-2 hover:no-underline"
      >
        {canManage ? 'Release in command settings' : 'Command settings'}
      </Link>
    </div>
  );
}
