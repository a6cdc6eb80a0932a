import type { Bus } from '../../platform/bus/bus.js';
import type { ChangedRun } from './commands.repository.js';

/** More runs changed at once than this: only their tasks are announced (the dashboard refetches them). */
const MAX_RUN_EVENTS = 1_000;

/** Announces changed runs (`run.updated`) and their tasks (`task.updated`), after the change committed. */
export function announce(bus: Bus, tenantId: string, changed: ChangedRun[]): void {
  if (changed.length === 0) return;
  if (changed.length <= MAX_RUN_EVENTS) {
    for (const r of changed) {
      bus.publish('run.updated', {
        tenantId,
        organizationId: r.organization_id,
        siteId: r.site_id,
        deviceId: r.device_id,
        runId: r.id,
        taskId: r.task_id,
        status: r.status,
      });
    }
  }
  for (const taskId of new Set(changed.map((r) => r.task_id))) bus.publish('task.updated', { tenantId, taskId });
}

/** Text Postgres can store: no NUL characters. */
export const storable = (s: string) => (s.includes('\0') ? s.replace(/\0/g, '') : s);
