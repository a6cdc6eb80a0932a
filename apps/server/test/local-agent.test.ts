// OPS1: the local agent beside `npm start` — enrolled only when there is somewhere to
// enroll it, restarted when it stops, and given up on when it cannot stay up.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { LOCAL_AGENT_DIR, startLocalAgent } from '../src/local-agent.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

function capture() {
  const lines: string[] = [];
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(chunk.toString()).msg as string);
        done();
      },
    }),
  );
  return { log, lines };
}

async function dataDirWith(enrolled: boolean) {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudrmm-local-agent-'));
  dirs.push(dataDir);
  if (enrolled) {
    await fs.mkdir(path.join(dataDir, LOCAL_AGENT_DIR), { mode: 0o700 });
    await fs.writeFile(path.join(dataDir, LOCAL_AGENT_DIR, 'credential.enc'), 'x', { mode: 0o600 });
  }
  return dataDir;
}

it('enrolls nothing when there is no site for this machine, and says so', async () => {
  const { log, lines } = capture();
  const dataDir = await dataDirWith(false);
  const bundle = path.join(dataDir, 'agent.mjs');
  await fs.writeFile(bundle, 'process.exit(0)\n');
  let asked = 0;
  const agent = await startLocalAgent({
    bundle,
    dataDir,
    serverUrl: 'http://127.0.0.1:9',
    log,
    issueToken: async () => (asked++, null),
  });
  expect(agent).toBeNull();
  expect(asked).toBe(1);
  expect(lines.join('\n')).toMatch(/not enrolled: there is no partner site/);
});

it('restarts an agent that stops, and gives up on one that cannot stay up', async () => {
  const { log, lines } = capture();
  const dataDir = await dataDirWith(true);
  // A real process standing in for a broken agent: it counts its runs and dies at once.
  const runs = path.join(dataDir, 'runs');
  const bundle = path.join(dataDir, 'agent.mjs');
  await fs.writeFile(
    bundle,
    `import fs from 'node:fs'; fs.appendFileSync(${JSON.stringify(runs)}, process.argv.slice(2).join(' ') + '\\n'); process.exit(3);\n`,
  );
  const agent = await startLocalAgent({
    bundle,
    dataDir,
    serverUrl: 'http://127.0.0.1:9',
    log,
    issueToken: async () => {
      throw new Error('an enrolled agent needs no token');
    },
    restartDelayMs: 20,
  });
  expect(agent).not.toBeNull();
  await expect.poll(() => lines.some((l) => /not restarting it/.test(l)), { timeout: 15_000 }).toBe(true);
  const started = (await fs.readFile(runs, 'utf8')).trim().split('\n');
  expect(started).toEqual(Array(5).fill('run --dev'));
  await agent!.stop();
});
