import { existsSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { startServer } from './runtime.js';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`CloudRMM cannot start: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

const log: Logger = pino({
  level: config.logLevel,
  redact: {
    paths: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]', '*.password'],
    censor: '[redacted]',
  },
  ...(process.stdout.isTTY
    ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname', translateTime: 'HH:MM:ss' } } }
    : {}),
});

try {
  const server = await startServer(config, log);
  const lines = [
    '',
    `  CloudRMM is running (roles: ${[...config.roles].join(', ')})`,
    `  Dashboard:  ${server.url}/`,
    `  API docs:   ${server.url}/docs`,
  ];
  if (server.admin.generatedPassword) {
    lines.push(`  Admin:      ${server.admin.email}  password: ${server.admin.generatedPassword}`);
    lines.push(`              (shown once; also saved to ${server.admin.credentialsFile}, mode 0600)`);
  } else {
    const where = existsSync(server.admin.credentialsFile) ? ` (password in ${server.admin.credentialsFile})` : '';
    lines.push(`  Admin:      ${server.admin.email}${where}`);
  }
  if (server.demoUser) lines.push(`  Demo user:  ${server.demoUser.email}  password: ${server.demoUser.password}`);
  if (server.localAgent) lines.push('  This machine: reports as a device through its local agent (--no-local-agent to skip)');
  if (config.roles.has('api') && !config.webDir) lines.push('  (dashboard not served: CLOUDRMM_WEB_DIR is empty)');
  lines.push('  Press Ctrl-C to stop.', '');
  console.log(lines.join('\n'));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  log.fatal({ err: error }, `CloudRMM could not start: ${(error as Error).message}`);
  // Let pino's transport flush before exiting.
  setTimeout(() => process.exit(1), 200);
}
