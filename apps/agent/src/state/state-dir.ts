import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

export const DEFAULT_STATE_DIR = process.platform === 'win32' ? 'C:\\ProgramData\\CloudRMM\\agent' : '/var/lib/cloudrmm-agent';

/** Where the agent keeps its identity and status: CLOUDRMM_AGENT_DIR, else the system location. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.CLOUDRMM_AGENT_DIR || DEFAULT_STATE_DIR);
}

/** The files inside the state directory. */
export const stateFiles = (dir: string) => ({
  /** The encrypted identity: credential, ids, pinned CA (AGT16). */
  credential: path.join(dir, 'credential.enc'),
  /** Random per-install salt mixed with the machine id into the key. */
  salt: path.join(dir, 'credential.salt'),
  /** What `status` prints: written by `run`, read by any other process. */
  status: path.join(dir, 'status.json'),
  /** Who this agent is, without the secret: lets `status` answer without decrypting anything. */
  enrollment: path.join(dir, 'enrollment.json'),
  /** The server's command-signing public key, stored at enrollment (AGT18). */
  commandKey: path.join(dir, 'command-key.json'),
  /** The command journal: one file per accepted run, kept until the server has its result and the run expired. */
  runs: path.join(dir, 'runs'),
  /** Private folders for the scripts being run. */
  runTemp: path.join(dir, 'run-tmp'),
});

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Creates the state directory 0700 and tightens it if it exists looser: the
 * credential inside must be readable only by the agent's user (security.md 19).
 */
export function ensureStateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  const stat = statSync(dir);
  if ((stat.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  if (isRoot() && stat.uid !== 0) chownSync(dir, 0, 0);
}

/**
 * Replaces a file atomically: a crash leaves either the old or the new
 * content, never half of one (temp file + fsync + rename, then fsync the dir).
 */
export function writeFileAtomic(file: string, data: string | Buffer, mode = 0o600): void {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  // The umask may have narrowed the mode at creation; never widened, but be exact.
  if (process.platform !== 'win32') {
    chmodSync(temp, mode);
    if (isRoot()) chownSync(temp, 0, 0);
  }
  renameSync(temp, file);
  if (process.platform !== 'win32') {
    try {
      const dirFd = openSync(path.dirname(file), 'r');
      fsyncSync(dirFd);
      closeSync(dirFd);
    } catch {
      // Some file systems refuse fsync on a directory; the rename is still atomic.
    }
  }
}
