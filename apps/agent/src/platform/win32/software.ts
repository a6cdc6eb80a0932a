import type { SoftwareItem } from '@cloudrmm/protocol';
import { run } from '../exec.js';

const UNINSTALL_KEYS = [
  'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall',
  'HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall',
];

/** Parses `reg query KEY /s` output into one value map per subkey. */
export function parseRegQuery(text: string): Record<string, string>[] {
  const entries: Record<string, string>[] = [];
  let current: Record<string, string> | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (/^HKEY_/i.test(line)) {
      current = {};
      entries.push(current);
      continue;
    }
    const match = /^\s{2,}(\S.*?)\s{2,}(REG_\w+)\s{2,}(.*)$/.exec(line);
    if (match && current) current[match[1]!] = match[3]!.trim();
  }
  return entries;
}

function installDate(raw: string | undefined): string | null {
  const match = raw ? /^(\d{4})(\d{2})(\d{2})$/.exec(raw) : null;
  return match ? `${match[1]}-${match[2]}-${match[3]}` : null;
}

/** Installed programs from the 64- and 32-bit uninstall keys, as Programs and Features lists them. */
export async function win32Software(): Promise<SoftwareItem[]> {
  const seen = new Set<string>();
  const items: SoftwareItem[] = [];
  for (const key of UNINSTALL_KEYS) {
    const result = await run('reg', ['query', key, '/s'], { timeoutMs: 60_000 });
    if (!result.ok) continue;
    for (const values of parseRegQuery(result.stdout)) {
      const name = values.DisplayName;
      // Components and updates hidden from Programs and Features are not software a technician manages.
      if (!name || values.SystemComponent === '0x1' || values.ParentKeyName) continue;
      const dedupe = `${name}\u0000${values.DisplayVersion ?? ''}`;
      if (seen.has(dedupe)) continue;
      seen.add(dedupe);
      const kib = values.EstimatedSize ? Number.parseInt(values.EstimatedSize, 16) : NaN;
      items.push({
        name: name.slice(0, 255),
        version: values.DisplayVersion?.slice(0, 128) || null,
        publisher: values.Publisher?.slice(0, 255) || null,
        source: 'windows',
        installed_at: installDate(values.InstallDate),
        size_bytes: Number.isFinite(kib) ? kib * 1024 : null,
      });
    }
  }
  return items;
}
