#!/usr/bin/env node
// `npm start`: builds whatever is missing or older than its sources, then runs
// the server with all roles. Arguments pass through (e.g. `npm start -- --no-demo`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function newestMtime(...entries) {
  let newest = 0;
  for (const entry of entries) {
    const p = path.join(root, entry);
    if (!existsSync(p)) continue;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const child of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
    } else {
      newest = Math.max(newest, st.mtimeMs);
    }
  }
  return newest;
}

function buildIfStale(name, output, sources) {
  const out = path.join(root, output);
  if (existsSync(out) && statSync(out).mtimeMs >= newestMtime(...sources)) return;
  console.log(`Building ${name}...`);
  const r = spawnSync(npm, ['run', 'build', '-w', name], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

buildIfStale('@cloudrmm/server', 'apps/server/dist/main.js', [
  'apps/server/src',
  'apps/server/tsconfig.json',
  'apps/server/tsconfig.build.json',
]);
buildIfStale('@cloudrmm/web', 'apps/web/dist/index.html', [
  'apps/web/src',
  'apps/web/index.html',
  'apps/web/vite.config.ts',
  'apps/web/public',
]);

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
