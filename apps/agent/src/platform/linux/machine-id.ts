import { readFile } from 'node:fs/promises';

/** systemd's id first; D-Bus's copy on systems without systemd. */
const SOURCES = ['/etc/machine-id', '/var/lib/dbus/machine-id'];

export async function linuxMachineId(): Promise<string | null> {
  for (const file of SOURCES) {
    const id = await readFile(file, 'utf8').then(
      (text) => text.trim(),
      () => '',
    );
    if (id) return id;
  }
  return null;
}
