import { readFileSync } from 'node:fs';
import type { AgentConfig } from '@cloudrmm/protocol';
import { stateFiles, writeFileAtomic } from './state-dir.js';

export type ConnectionState = 'starting' | 'connecting' | 'connected' | 'disconnected' | 'revoked' | 'refused' | 'stopped';

/** What `run` tells `status` (another process) about itself. No secrets. */
export interface RunStatus {
  pid: number;
  agent_version: string;
  started_at: string;
  updated_at: string;
  state: ConnectionState;
  server: string | null;
  device_id: string | null;
  agent_id: string | null;
  connected_since: string | null;
  last_connected_at: string | null;
  last_disconnected_at: string | null;
  last_error: string | null;
  next_retry_at: string | null;
  config: AgentConfig | null;
}

export function writeRunStatus(dir: string, status: RunStatus): void {
  writeFileAtomic(stateFiles(dir).status, `${JSON.stringify(status, null, 2)}\n`, 0o600);
}

export function readRunStatus(dir: string): RunStatus | null {
  try {
    return JSON.parse(readFileSync(stateFiles(dir).status, 'utf8')) as RunStatus;
  } catch {
    return null;
  }
}

/** Whether the process that wrote the status is still alive (signal 0 checks without signalling). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
