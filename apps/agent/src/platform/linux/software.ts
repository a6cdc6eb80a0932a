import { readdir, stat } from 'node:fs/promises';
import type { SoftwareItem } from '@cloudrmm/protocol';
import { run } from '../exec.js';

const orNull = (value: string | undefined) => (value && value.trim() && value !== '(none)' ? value.trim() : null);

async function dpkgInstallTimes(): Promise<Map<string, string>> {
  // dpkg records no install date; the mtime of the package's file list is when it was last unpacked.
  const times = new Map<string, string>();
  const dir = '/var/lib/dpkg/info';
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name.endsWith('.list'))
      .map(async (name) => {
        const mtime = await stat(`${dir}/${name}`).then(
          (s) => s.mtime.toISOString(),
          () => null,
        );
        if (mtime) times.set(name.slice(0, -'.list'.length).replace(/:.*$/, ''), mtime);
      }),
  );
  return times;
}

export async function dpkgSoftware(): Promise<SoftwareItem[] | null> {
  const result = await run('dpkg-query', [
    '-W',
    '-f',
    '${db:Status-Abbrev}\t${Package}\t${Version}\t${Maintainer}\t${Installed-Size}\n',
  ]);
  if (!result.ok) return null;
  const times = await dpkgInstallTimes();
  const items: SoftwareItem[] = [];
  for (const line of result.stdout.split('\n')) {
    const [status, name, version, maintainer, sizeKib] = line.split('\t');
    // "ii": wanted install, installed; removed packages with leftover config are not software.
    if (!name || !status?.startsWith('ii')) continue;
    const kib = Number(sizeKib);
    items.push({
      name,
      version: orNull(version),
      publisher: orNull(maintainer),
      source: 'dpkg',
      installed_at: times.get(name) ?? null,
      size_bytes: sizeKib && Number.isFinite(kib) ? kib * 1024 : null,
    });
  }
  return items;
}

export async function rpmSoftware(): Promise<SoftwareItem[] | null> {
  const result = await run('rpm', [
    '-qa',
    '--queryformat',
    '%{NAME}\t%{VERSION}-%{RELEASE}\t%{VENDOR}\t%{SIZE}\t%{INSTALLTIME}\n',
  ]);
  if (!result.ok) return null;
  const items: SoftwareItem[] = [];
  for (const line of result.stdout.split('\n')) {
    const [name, version, vendor, size, installTime] = line.split('\t');
    if (!name || name === 'gpg-pubkey') continue;
    const seconds = Number(installTime);
    items.push({
      name,
      version: orNull(version),
      publisher: orNull(vendor),
      source: 'rpm',
      installed_at: Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : null,
      size_bytes: Number.isFinite(Number(size)) && size ? Number(size) : null,
    });
  }
  return items;
}

export async function apkSoftware(): Promise<SoftwareItem[] | null> {
  const result = await run('apk', ['info', '-v']);
  if (!result.ok) return null;
  const items: SoftwareItem[] = [];
  for (const line of result.stdout.split('\n')) {
    // "musl-1.2.4-r2": the version is the last two dash-separated parts.
    const match = /^(.+)-([^-]+-r\d+)$/.exec(line.trim());
    if (match)
      items.push({ name: match[1]!, version: match[2]!, publisher: null, source: 'apk', installed_at: null, size_bytes: null });
  }
  return items;
}

/** Every package manager that exists here, merged: a system may have more than one. */
export async function linuxSoftware(): Promise<SoftwareItem[]> {
  const lists = await Promise.all([dpkgSoftware(), rpmSoftware(), apkSoftware()]);
  return lists.flatMap((list) => list ?? []);
}
