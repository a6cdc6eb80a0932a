#!/usr/bin/env node
// Builds the workspace packages whose output is missing or older than their
// sources. `node scripts/build-stale.mjs [protocol|server|web|agent ...]`
// (all four, in dependency order, when none is named). Used by `npm start`
// and the test setup, so neither ever runs a stale build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Each package: its build output, and the sources it is built from. */
export const PACKAGES = {
  protocol: {
    name: '@cloudrmm/protocol',
    output: 'packages/protocol/dist/index.js',
    sources: ['packages/protocol/src', 'packages/protocol/tsconfig.json', 'packages/protocol/tsconfig.build.json'],
  },
  server: {
    name: '@cloudrmm/server',
    output: 'apps/server/dist/main.js',
    sources: ['apps/server/src', 'apps/server/tsconfig.json', 'apps/server/tsconfig.build.json', 'packages/protocol/src'],
  },
  web: {
    name: '@cloudrmm/web',
    output: 'apps/web/dist/index.html',
    sources: ['apps/web/src', 'apps/web/index.html', 'apps/web/vite.config.ts', 'apps/web/public'],
  },
  agent: {
    name: '@cloudrmm/agent',
    output: 'apps/agent/dist/cloudrmm-agent.mjs',
    sources: ['apps/agent/src', 'apps/agent/scripts', 'apps/agent/package.json', 'packages/protocol/src'],
  },
};

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

/** Builds one package if stale; exits the process when its build fails. */
export function buildIfStale(key) {
  const pkg = PACKAGES[key];
  if (!pkg) throw new Error(`unknown package "${key}" (expected ${Object.keys(PACKAGES).join(', ')})`);
  const out = path.join(root, pkg.output);
  if (existsSync(out) && statSync(out).mtimeMs >= newestMtime(...pkg.sources)) return;
  console.log(`Building ${pkg.name}...`);
  const r = spawnSync(npm, ['run', 'build', '-w', pkg.name], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const keys = process.argv.slice(2);
  for (const key of keys.length > 0 ? keys : Object.keys(PACKAGES)) buildIfStale(key);
}
