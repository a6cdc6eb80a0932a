import path from 'node:path';
import si from 'systeminformation';
import type { AgentPayload, PartitionUsage } from '@cloudrmm/protocol';
import { defaultScanRoot } from '../../platform/index.js';
import type { Feature } from '../../registry.js';
import { amount, text } from '../../text.js';
import { ScanError, scanFolders } from './scan.js';

async function partitions(): Promise<PartitionUsage[]> {
  const list = await si.fsSize().catch(() => []);
  return list.slice(0, 256).map((f) => {
    const size = amount(f.size) ?? 0;
    const used = amount(f.used) ?? 0;
    return {
      mount: text(f.mount, f.fs, 1024),
      device: text(f.fs, 'unknown', 1024),
      fs_type: text(f.type, 'unknown', 64),
      size_bytes: size,
      used_bytes: used,
      available_bytes: amount(f.available) ?? Math.max(0, size - used),
      used_percent: size > 0 ? Math.min(100, Math.round((used / size) * 10_000) / 100) : 0,
    };
  });
}

export async function diskUsage(request: {
  path?: string;
  top?: number;
  depth?: number;
}): Promise<AgentPayload<'disk.usage.result'>> {
  const target = request.path ?? defaultScanRoot();
  if (!path.isAbsolute(target)) throw new ScanError(`"${target}" is not an absolute path`);
  const [parts, scan] = await Promise.all([
    partitions(),
    scanFolders({ path: target, top: request.top ?? 20, depth: request.depth ?? 2 }),
  ]);
  return { partitions: parts, ...scan };
}

/** `disk.usage` on demand (AGT8); one scan at a time, a scan walks the disk. */
export function createDiskUsageFeature(): Feature {
  return {
    name: 'disk-usage',
    concurrency: 1,
    answers: { 'disk.usage': (payload) => diskUsage(payload) },
  };
}
