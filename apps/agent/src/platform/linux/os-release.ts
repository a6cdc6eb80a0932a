import { readFile } from 'node:fs/promises';

export interface OsRelease {
  name: string | null;
  id: string | null;
  version: string | null;
  codename: string | null;
}

/** Parses os-release(5): KEY=value lines, values optionally quoted. */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    let value = match[2]!.trim();
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    fields[match[1]!] = value;
  }
  return fields;
}

/** The distribution as it names itself: /etc/os-release, else /usr/lib/os-release. */
export async function linuxOsRelease(): Promise<OsRelease | null> {
  for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null) continue;
    const f = parseOsRelease(text);
    return {
      name: f.PRETTY_NAME || [f.NAME, f.VERSION].filter(Boolean).join(' ') || null,
      id: f.ID || null,
      version: f.VERSION_ID || f.BUILD_ID || null,
      codename: f.VERSION_CODENAME || f.UBUNTU_CODENAME || null,
    };
  }
  return null;
}
