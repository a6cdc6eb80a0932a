import type { SoftwareItem, Temperature } from '@cloudrmm/protocol';
import { darwinMachineId } from './darwin/machine-id.js';
import { darwinSoftware } from './darwin/software.js';
import { linuxMachineId } from './linux/machine-id.js';
import { linuxOsRelease, type OsRelease } from './linux/os-release.js';
import { linuxProcessIo, type IoCounters } from './linux/process-io.js';
import { linuxSoftware } from './linux/software.js';
import { lmSensorsTemperatures, sysfsTemperatures } from './linux/temperatures.js';
import { win32MachineId } from './win32/machine-id.js';
import { win32Software } from './win32/software.js';

// The one place that chooses by OS; features call these and never test process.platform.

/** A stable id of this machine, the host half of the credential key. */
export function machineId(): Promise<string | null> {
  if (process.platform === 'darwin') return darwinMachineId();
  if (process.platform === 'win32') return win32MachineId();
  return linuxMachineId();
}

/** The distribution as it names itself (Linux only; elsewhere systeminformation knows). */
export async function osRelease(): Promise<OsRelease | null> {
  return process.platform === 'linux' ? linuxOsRelease() : null;
}

export function installedSoftware(): Promise<SoftwareItem[]> {
  if (process.platform === 'darwin') return darwinSoftware();
  if (process.platform === 'win32') return win32Software();
  return linuxSoftware();
}

/** The OS fallbacks after systeminformation, in order: each tried only if the one before found nothing. */
export function temperatureFallbacks(): { source: string; read: () => Promise<Temperature[]> }[] {
  if (process.platform !== 'linux') return [];
  return [
    { source: 'sysfs', read: sysfsTemperatures },
    { source: 'lm-sensors', read: lmSensorsTemperatures },
  ];
}

/** Per-process disk I/O counters where the OS exposes them to us (Linux /proc). */
export function processIo(pid: number): Promise<IoCounters | null> {
  return process.platform === 'linux' ? linuxProcessIo(pid) : Promise.resolve(null);
}

export function defaultScanRoot(): string {
  return process.platform === 'win32' ? `${process.env.SystemDrive || 'C:'}\\` : '/';
}
