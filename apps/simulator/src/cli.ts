/** A small flag parser: `--name value`, `--name=value` and boolean `--flag`. */
export function parseFlags(argv: string[], booleans: readonly string[]): { flags: Map<string, string>; positional: string[] } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (eq !== -1) flags.set(name, arg.slice(eq + 1));
    else if (booleans.includes(name)) flags.set(name, 'true');
    else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
      i++;
    }
  }
  return { flags, positional };
}

export class UsageError extends Error {}

export function intFlag(
  flags: Map<string, string>,
  name: string,
  fallback: number | undefined,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = flags.get(name);
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return value;
}

export function checkKnown(flags: Map<string, string>, known: readonly string[]): void {
  for (const name of flags.keys()) if (!known.includes(name)) throw new UsageError(`unknown option --${name}`);
}

/** `127.0.0.1` ... `127.0.0.<n>`: distinct loopback source addresses (Linux routes all of 127/8 to lo). */
export function loopbackSources(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `127.0.${Math.floor((i + 1) / 256)}.${(i + 1) % 256}`).filter(
    (a) => !a.endsWith('.0'),
  );
}

export function isLoopback(server: string): boolean {
  const host = new URL(server).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}
