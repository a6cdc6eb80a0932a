import os from 'node:os';
import si from 'systeminformation';
import type { Status, Temperature } from '@cloudrmm/protocol';
import { temperatureFallbacks } from '../../platform/index.js';
import { amount, clean, text } from '../../text.js';

const settle = async <T>(promise: Promise<T>, fallback: T): Promise<T> => promise.catch(() => fallback);

interface CpuTimes {
  idle: number;
  total: number;
}

function cpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    idle += cpu.times.idle;
    total += cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.idle + cpu.times.irq;
  }
  return { idle, total };
}

/**
 * CPU use since the previous reading, so a status covers the whole interval;
 * the first reading samples one second.
 */
function createCpuMeter() {
  let previous: CpuTimes | null = null;
  return async (): Promise<number | null> => {
    if (!previous) {
      previous = cpuTimes();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const now = cpuTimes();
    const total = now.total - previous.total;
    const idle = now.idle - previous.idle;
    previous = now;
    if (total <= 0) return null;
    return Math.round(Math.min(100, Math.max(0, (1 - idle / total) * 100)) * 10) / 10;
  };
}

/** Temperatures from the first source that has any: systeminformation, then the OS fallbacks. */
export async function readTemperatures(): Promise<{ source: string; temperatures: Temperature[] }> {
  const reading = await settle(si.cpuTemperature(), null);
  const fromSi: Temperature[] = [];
  if (reading) {
    if (typeof reading.main === 'number' && reading.main > -100 && reading.main < 300)
      fromSi.push({ sensor: 'cpu', label: 'package', celsius: reading.main });
    reading.cores?.forEach((celsius, index) => {
      if (typeof celsius === 'number' && celsius > -100 && celsius < 300)
        fromSi.push({ sensor: 'cpu', label: `core ${index}`, celsius });
    });
    if (typeof reading.chipset === 'number' && reading.chipset > -100 && reading.chipset < 300)
      fromSi.push({ sensor: 'board', label: 'chipset', celsius: reading.chipset });
  }
  if (fromSi.length > 0) return { source: 'systeminformation', temperatures: fromSi.slice(0, 128) };
  for (const fallback of temperatureFallbacks()) {
    const temperatures = await settle(fallback.read(), []);
    if (temperatures.length > 0) return { source: fallback.source, temperatures: temperatures.slice(0, 128) };
  }
  return { source: 'none', temperatures: [] };
}

export function createStatusCollector() {
  const cpuPercent = createCpuMeter();
  return async function collectStatus(): Promise<Status> {
    const [mem, fs, users, temps, cpu] = await Promise.all([
      settle(si.mem(), null),
      settle(si.fsSize(), []),
      settle(si.users(), []),
      readTemperatures(),
      cpuPercent(),
    ]);
    return {
      uptime_seconds: Math.round(os.uptime()),
      cpu_percent: cpu,
      load_average: process.platform === 'win32' ? undefined : os.loadavg().map((l) => Math.round(l * 100) / 100),
      memory_used_bytes: mem ? Math.max(0, mem.total - mem.available) : os.totalmem() - os.freemem(),
      memory_available_bytes: mem?.available ?? os.freemem(),
      swap_used_bytes: mem?.swapused ?? 0,
      file_systems: fs
        .slice(0, 256)
        .map((f) => ({ mount: text(f.mount, f.fs, 1024), used_bytes: amount(f.used) ?? 0, size_bytes: amount(f.size) ?? 0 })),
      logged_in_users: users.slice(0, 256).map((u) => ({
        user: text(u.user, 'unknown', 128),
        terminal: clean(u.tty, 64),
        host: clean(u.ip),
        since: clean([u.date, u.time].filter(Boolean).join(' '), 40),
      })),
      temperature_source: temps.source,
      temperatures: temps.temperatures,
    };
  };
}
