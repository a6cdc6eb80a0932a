import type { CliIo } from '../../src/cli.js';
import type { LogLevel } from '../../src/log.js';

/** Captures what the CLI prints and logs. */
export function captureIo(env: NodeJS.ProcessEnv, stopSignal?: Promise<void>) {
  const out: string[] = [];
  const err: string[] = [];
  const logs: { level: LogLevel; event: string; fields: Record<string, unknown> }[] = [];
  const io: CliIo = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env,
    log: (level, event, fields = {}) => logs.push({ level, event, fields }),
    stopSignal,
  };
  return { io, out: () => out.join(''), err: () => err.join(''), logs };
}
