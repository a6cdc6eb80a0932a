import { readFile, readdir } from 'node:fs/promises';
import type { SoftwareItem } from '@cloudrmm/protocol';

const list = (dir: string) => readdir(dir).catch(() => [] as string[]);

/**
 * Homebrew formulae and casks, read from the Cellar and Caskroom directories:
 * `brew` itself refuses to run as root, which is how the agent runs.
 */
async function homebrew(): Promise<SoftwareItem[]> {
  const items: SoftwareItem[] = [];
  for (const prefix of ['/opt/homebrew', '/usr/local']) {
    for (const kind of ['Cellar', 'Caskroom']) {
      for (const name of await list(`${prefix}/${kind}`)) {
        if (name.startsWith('.')) continue;
        const versions = (await list(`${prefix}/${kind}/${name}`)).filter((v) => !v.startsWith('.')).sort();
        items.push({
          name,
          version: versions.at(-1) ?? null,
          publisher: null,
          source: 'homebrew',
          installed_at: null,
          size_bytes: null,
        });
      }
    }
  }
  return items;
}

/** Applications in /Applications, with the version from an XML Info.plist when it is one. */
async function applications(): Promise<SoftwareItem[]> {
  const items: SoftwareItem[] = [];
  for (const app of (await list('/Applications')).filter((a) => a.endsWith('.app'))) {
    const plist = await readFile(`/Applications/${app}/Contents/Info.plist`, 'utf8').catch(() => '');
    const version = /<key>CFBundleShortVersionString<\/key>\s*<string>([^<]{1,128})<\/string>/.exec(plist)?.[1] ?? null;
    items.push({ name: app.slice(0, -4), version, publisher: null, source: 'macos', installed_at: null, size_bytes: null });
  }
  return items;
}

export async function darwinSoftware(): Promise<SoftwareItem[]> {
  const [brew, apps] = await Promise.all([homebrew(), applications()]);
  return [...brew, ...apps];
}
