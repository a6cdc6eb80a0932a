import { readFileSync } from 'node:fs';
import { run } from '../../platform/exec.js';

/** The user a `run_as: user` script runs as. */
export interface ConsoleUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

const NAME = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}\$?$/;

/** Linux: the user of the active graphical or console session (loginctl), else the first at a local display or console (who). */
async function linuxConsoleUserName(): Promise<string | null> {
  const sessions = await run('loginctl', ['list-sessions', '--no-legend'], { timeoutMs: 5_000 });
  if (sessions.ok) {
    for (const line of sessions.stdout.split('\n')) {
      const id = line.trim().split(/\s+/)[0];
      if (!id) continue;
      const info = await run(
        'loginctl',
        ['show-session', id, '-p', 'Name', '-p', 'Active', '-p', 'Class', '-p', 'Seat', '-p', 'Remote'],
        {
          timeoutMs: 5_000,
        },
      );
      if (!info.ok) continue;
      const props = Object.fromEntries(
        info.stdout
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
      );
      if (props.Active === 'yes' && props.Class === 'user' && props.Remote !== 'yes' && props.Seat && props.Name)
        return props.Name;
    }
  }
  return whoConsoleUserName();
}

/** `who`: a user on a local display (:0) or a console/tty, not a remote (ssh) login. */
async function whoConsoleUserName(): Promise<string | null> {
  const who = await run('who', [], { timeoutMs: 5_000 });
  if (!who.ok) return null;
  const local = who.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([name, line]) => name && line && (/^(:\d+|console|tty\d*)$/.test(line) || /\(:\d+(\.\d+)?\)/.test(line)));
  return local[0]?.[0] ?? null;
}

async function macConsoleUserName(): Promise<string | null> {
  const stat = await run('stat', ['-f', '%Su', '/dev/console'], { timeoutMs: 5_000 });
  const name = stat.stdout.trim();
  return stat.ok && name && name !== 'root' ? name : null;
}

async function account(name: string): Promise<ConsoleUser | null> {
  if (!NAME.test(name)) return null;
  if (process.platform === 'linux') {
    const entry = await run('getent', ['passwd', name], { timeoutMs: 5_000 });
    let line = entry.ok ? entry.stdout.trim() : '';
    if (!line) {
      try {
        line =
          readFileSync('/etc/passwd', 'utf8')
            .split('\n')
            .find((l) => l.startsWith(`${name}:`)) ?? '';
      } catch {
        line = '';
      }
    }
    const fields = line.split(':');
    if (fields.length < 7) return null;
    return { name, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] || '/' };
  }
  const uid = await run('id', ['-u', name], { timeoutMs: 5_000 });
  const gid = await run('id', ['-g', name], { timeoutMs: 5_000 });
  const home = await run('dscl', ['.', '-read', `/Users/${name}`, 'NFSHomeDirectory'], { timeoutMs: 5_000 });
  if (!uid.ok || !gid.ok) return null;
  const homeDir = /NFSHomeDirectory:\s*(\S.*)/.exec(home.stdout)?.[1]?.trim() ?? `/Users/${name}`;
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), home: homeDir };
}

/** The user logged in at the machine's console (Linux, macOS), or null when none is. */
export async function consoleUser(): Promise<ConsoleUser | null> {
  const name = process.platform === 'darwin' ? await macConsoleUserName() : await linuxConsoleUserName();
  if (!name) return null;
  const user = await account(name);
  return user && Number.isInteger(user.uid) && Number.isInteger(user.gid) ? user : null;
}
