import { run } from '../exec.js';

/** Windows' MachineGuid, written at install and unique per installation. */
export async function win32MachineId(): Promise<string | null> {
  const result = await run('reg', ['query', 'HKLM\\SOFTWARE\\Microsoft\\Cryptography', '/v', 'MachineGuid', '/reg:64'], {
    timeoutMs: 10_000,
  });
  const match = /MachineGuid\s+REG_SZ\s+(\S+)/i.exec(result.stdout);
  return match?.[1] ?? null;
}
