import { run } from '../exec.js';

/** The hardware UUID (IOPlatformUUID), stable across OS reinstalls and unique per Mac. */
export async function darwinMachineId(): Promise<string | null> {
  const result = await run('/usr/sbin/ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice'], { timeoutMs: 10_000 });
  const match = /"IOPlatformUUID"\s*=\s*"([^"]+)"/.exec(result.stdout);
  return match?.[1] ?? null;
}
