import { isEnrolled, readEnrollmentRecord } from '../state/credential.js';
import { isRunning, readRunStatus, type RunStatus } from '../state/status-file.js';

export interface StatusReport {
  state_dir: string;
  enrolled: boolean;
  server: string | null;
  device_id: string | null;
  agent_id: string | null;
  site_id: string | null;
  enrolled_at: string | null;
  pinned_ca: string | null;
  /** Whether a `run` process is alive, and what it last wrote. */
  running: boolean;
  connection: RunStatus['state'] | 'not running';
  connected_since: string | null;
  last_connected_at: string | null;
  last_disconnected_at: string | null;
  last_error: string | null;
  next_retry_at: string | null;
  config: RunStatus['config'];
  agent_version: string | null;
  pid: number | null;
}

export function statusReport(stateDir: string): StatusReport {
  const enrollment = readEnrollmentRecord(stateDir);
  const run = readRunStatus(stateDir);
  const running = run !== null && run.state !== 'stopped' && isRunning(run.pid);
  return {
    state_dir: stateDir,
    enrolled: isEnrolled(stateDir),
    server: enrollment?.server ?? run?.server ?? null,
    device_id: enrollment?.device_id ?? run?.device_id ?? null,
    agent_id: enrollment?.agent_id ?? run?.agent_id ?? null,
    site_id: enrollment?.site_id ?? null,
    enrolled_at: enrollment?.enrolled_at ?? null,
    pinned_ca: enrollment?.pinned_ca_subject ?? null,
    running,
    connection: running ? run!.state : 'not running',
    connected_since: running ? run!.connected_since : null,
    last_connected_at: run?.last_connected_at ?? null,
    last_disconnected_at: run?.last_disconnected_at ?? null,
    last_error: run?.last_error ?? null,
    next_retry_at: running ? run!.next_retry_at : null,
    config: run?.config ?? null,
    agent_version: run?.agent_version ?? null,
    pid: running ? run!.pid : null,
  };
}

const STATE_WORDS: Record<StatusReport['connection'], string> = {
  starting: 'starting',
  connecting: 'connecting',
  connected: 'connected',
  disconnected: 'disconnected (retrying)',
  revoked: 'REVOKED: the server refused this agent credential; enroll this machine again (retrying every few minutes)',
  refused: 'refused by the server (retrying every few minutes)',
  stopped: 'stopped',
  'not running': 'not running',
};

export function formatStatus(report: StatusReport): string {
  if (!report.enrolled)
    return `Not enrolled (state directory ${report.state_dir}).\nEnroll with: cloudrmm-agent enroll --server URL --site-code CODE\n`;
  const line = (label: string, value: string | number | null | undefined) =>
    value === null || value === undefined ? [] : [`${label.padEnd(18)}${value}`];
  return `${[
    ...line('Enrolled', `yes (${report.enrolled_at ?? 'unknown date'})`),
    ...line('Server', report.server),
    ...line('Device id', report.device_id),
    ...line('Agent id', report.agent_id),
    ...line('Pinned CA', report.pinned_ca ?? 'none (plaintext development server)'),
    ...line('Connection', STATE_WORDS[report.connection]),
    ...line('Process', report.pid),
    ...line('Connected since', report.connected_since),
    ...line('Last connected', report.last_connected_at ?? 'never'),
    ...line('Last disconnected', report.last_disconnected_at),
    ...line('Last error', report.last_error),
    ...line('Next retry', report.next_retry_at),
    ...line('Heartbeat', report.config ? `${report.config.heartbeat_seconds} s` : null),
    ...line('Inventory', report.config ? `every ${report.config.inventory_minutes} min` : null),
    ...line('State directory', report.state_dir),
  ].join('\n')}\n`;
}
