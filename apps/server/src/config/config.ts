import path from 'node:path';

/** Every process role a CloudRMM server can take (ARCHITECTURE.md, "Processes and roles"). */
export const ROLES = ['api', 'gateway', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export interface Config {
  roles: Set<Role>;
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  /** Owner account: runs migrations and owns the tables. Unset = embedded Postgres. */
  databaseUrl: string | null;
  /** Runtime account the app queries with; derived from databaseUrl when unset. */
  databaseAppUrl: string | null;
  embeddedPgPort: number;
  adminEmail: string;
  adminPassword: string | null;
  demoData: boolean;
  /** Enroll and run an agent for this machine beside the server (OPS1); embedded mode only by default. */
  localAgent: boolean;
  trustedProxies: string[];
  sessionTtlHours: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Base64 of 32 bytes; null = generated into the data folder on first start. */
  masterKey: string | null;
  /** Serve the built dashboard from this folder; null = do not serve it. */
  webDir: string | null;
  /** Outgoing mail server (smtp:// or smtps://); null = mail is written to the log instead. */
  smtpUrl: string | null;
  /** The From of every email CloudRMM sends. */
  smtpFrom: string;
  /** The agent bundle the install scripts download (apps/agent/dist/cloudrmm-agent.mjs by default). */
  agentBundle: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads the environment and the command line once, at start. Nothing else in the
 * server reads process.env: everything it needs is in the returned object.
 */
export function loadConfig(env: Env = process.env, argv: string[] = process.argv.slice(2)): Config {
  const problems: string[] = [];
  const flags = parseFlags(argv, problems);

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${env[name]}")`);
    return fallback;
  };
  const url = (name: string, protocols: string[]): string | null => {
    const raw = env[name];
    if (raw === undefined || raw === '') return null;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      return raw;
    } catch {
      problems.push(`${name} must be a ${protocols.join(' or ')} URL`);
      return null;
    }
  };

  const rolesRaw = flags.roles ?? env.CLOUDRMM_ROLES ?? ROLES.join(',');
  const roles = new Set<Role>();
  for (const r of rolesRaw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if ((ROLES as readonly string[]).includes(r)) roles.add(r as Role);
    else problems.push(`CLOUDRMM_ROLES / --roles: unknown role "${r}" (expected ${ROLES.join(', ')})`);
  }
  if (roles.size === 0) problems.push('CLOUDRMM_ROLES / --roles must name at least one role');

  const port = int('PORT', 3000, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const publicUrl = url('CLOUDRMM_PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`;
  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const databaseAppUrl = url('DATABASE_APP_URL', ['postgres:', 'postgresql:']);
  if (databaseAppUrl && !databaseUrl) problems.push('DATABASE_APP_URL needs DATABASE_URL (the owner account that migrates)');

  const adminEmail = env.CLOUDRMM_ADMIN_EMAIL || 'admin@localhost';
  if (!/^[^\s@]+@[^\s@]+$/.test(adminEmail)) problems.push(`CLOUDRMM_ADMIN_EMAIL is not an email address (got "${adminEmail}")`);
  const adminPassword = env.CLOUDRMM_ADMIN_PASSWORD || null;
  if (adminPassword !== null && adminPassword.length < 12)
    problems.push('CLOUDRMM_ADMIN_PASSWORD must be at least 12 characters');

  const masterKey = env.CLOUDRMM_MASTER_KEY || null;
  if (masterKey !== null && Buffer.from(masterKey, 'base64').length !== 32) {
    problems.push('CLOUDRMM_MASTER_KEY must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)');
  }

  const smtpUrl = url('SMTP_URL', ['smtp:', 'smtps:']);
  const smtpFrom = env.SMTP_FROM || 'CloudRMM <no-reply@localhost>';
  if (!/^([^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/.test(smtpFrom.trim())) {
    problems.push(`SMTP_FROM must be an email address, optionally with a name: "Name <address@example.com>" (got "${smtpFrom}")`);
  }

  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!levels.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${levels.join(', ')}`);

  const trustedProxies = (env.CLOUDRMM_TRUSTED_PROXIES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of trustedProxies) {
    if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(p)) problems.push(`CLOUDRMM_TRUSTED_PROXIES: "${p}" is not an IP address or CIDR`);
  }

  const config: Config = {
    roles,
    host,
    port,
    publicUrl: publicUrl.replace(/\/+$/, ''),
    dataDir: path.resolve(env.CLOUDRMM_DATA_DIR || '.cloudrmm'),
    databaseUrl,
    databaseAppUrl,
    embeddedPgPort: int('CLOUDRMM_PG_PORT', 54329, 1, 65535),
    adminEmail: adminEmail.toLowerCase(),
    adminPassword,
    demoData: flags.noDemo ? false : bool('CLOUDRMM_DEMO', true),
    localAgent: flags.noLocalAgent ? false : bool('CLOUDRMM_LOCAL_AGENT', !env.DATABASE_URL),
    trustedProxies,
    sessionTtlHours: int('CLOUDRMM_SESSION_TTL_HOURS', 12, 1, 24 * 30),
    logLevel,
    masterKey,
    webDir: env.CLOUDRMM_WEB_DIR === '' ? null : path.resolve(env.CLOUDRMM_WEB_DIR || defaultWebDir()),
    smtpUrl,
    smtpFrom: smtpFrom.trim(),
    agentBundle: path.resolve(env.CLOUDRMM_AGENT_BUNDLE || defaultAgentBundle()),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function parseFlags(argv: string[], problems: string[]): { roles?: string; noDemo: boolean; noLocalAgent: boolean } {
  const out: { roles?: string; noDemo: boolean; noLocalAgent: boolean } = { noDemo: false, noLocalAgent: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--no-demo') out.noDemo = true;
    else if (arg === '--no-local-agent') out.noLocalAgent = true;
    else if (arg === '--roles') out.roles = argv[++i] ?? '';
    else if (arg.startsWith('--roles=')) out.roles = arg.slice('--roles='.length);
    else problems.push(`unknown command-line option "${arg}" (expected --roles LIST, --no-demo, --no-local-agent)`);
  }
  return out;
}

function defaultAgentBundle(): string {
  // apps/server/{src,dist}/config → apps/agent/dist (npm run build -w @cloudrmm/agent)
  return path.resolve(import.meta.dirname, '../../../agent/dist/cloudrmm-agent.mjs');
}

function defaultWebDir(): string {
  // apps/server/{src,dist}/config → apps/web/dist
  return path.resolve(import.meta.dirname, '../../../web/dist');
}
