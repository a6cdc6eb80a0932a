import { execFile } from 'node:child_process';

export interface RunResult {
  ok: boolean;
  stdout: string;
}

/**
 * Runs a system tool with an argument list (never a shell string), bounded in
 * time and output. A missing tool or a failure is an ordinary answer
 * (`ok: false`), because most tools exist only on some systems.
 */
export function run(file: string, args: string[], options: { timeoutMs?: number; maxBytes?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: options.maxBytes ?? 64 * 1024 * 1024,
        windowsHide: true,
        encoding: 'utf8',
        env: { ...process.env, LC_ALL: 'C' },
      },
      (error, stdout) => resolve({ ok: !error, stdout: stdout ?? '' }),
    );
  });
}
