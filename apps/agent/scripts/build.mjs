// Bundles the agent into ONE file that runs with nothing but Node ≥ 20 installed:
// the install scripts download exactly this file (dist/cloudrmm-agent.mjs).
import { build } from 'esbuild';
import { chmod, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
const outfile = path.join(root, 'dist', 'cloudrmm-agent.mjs');

await build({
  entryPoints: [path.join(root, 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  // ws loads these native accelerators only if present; the pure-JS path is fine for an agent.
  external: ['bufferutil', 'utf-8-validate'],
  define: { __AGENT_VERSION__: JSON.stringify(pkg.version) },
  banner: {
    // CommonJS dependencies (systeminformation, ws) call require() at runtime; an ESM bundle has none.
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as __cloudrmmCreateRequire } from 'node:module';",
      'const require = __cloudrmmCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  logLevel: 'warning',
});
await chmod(outfile, 0o755);
const { size } = await stat(outfile);
console.log(`built ${path.relative(process.cwd(), outfile)} (${(size / 1024).toFixed(0)} KiB, agent ${pkg.version})`);
