#!/usr/bin/env node
// `npm start`: builds whatever is missing or older than its sources, then runs
// the server with all roles. Arguments pass through (e.g. `npm start -- --no-demo`).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { buildIfStale } from './build-stale.mjs';

const root = path.resolve(import.meta.dirname, '..');

// The protocol first: the server and the agent are built against it.
for (const key of ['protocol', 'server', 'web', 'agent']) buildIfStale(key);

const server = spawn(
  process.execPath,
  ['--enable-source-maps', path.join(root, 'apps/server/dist/main.js'), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
// The server handles Ctrl-C itself (stops HTTP, jobs and Postgres); just wait for it.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
