/**
 * One JSON line per event on stderr: systemd's journal keeps stderr lines as
 * they are, and a line of JSON is easy to grep and to parse.
 */
export type LogLevel = 'info' | 'warn' | 'error';

export type Logger = (level: LogLevel, event: string, fields?: Record<string, unknown>) => void;

export const stderrLogger: Logger = (level, event, fields = {}) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
};

export const silentLogger: Logger = () => {};

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
