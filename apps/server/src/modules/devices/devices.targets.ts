import type { Visibility } from '../../platform/auth/principal.js';
import type { Tx } from '../../platform/db/database.js';
import { resolveTargets, type DeviceTarget, type TargetDevice } from './devices.repository.js';

export type { DeviceTarget, TargetDevice } from './devices.repository.js';

/**
 * The devices a command or schedule is aimed at (AGT9, DEV4): listed ids, every
 * device of some sites or organizations, a saved device filter, or the whole
 * partner. Only devices inside `visibility` (null: the whole partner) count;
 * deleted devices and revoked agents never do. One query for the devices (a
 * saved filter is read first, then applied exactly as the device list applies
 * it); an unknown filter is a 404. Runs inside the caller's tenant transaction.
 */
export function resolveDeviceTargets(tx: Tx, visibility: Visibility | null, target: DeviceTarget): Promise<TargetDevice[]> {
  return resolveTargets(tx, visibility, target);
}
