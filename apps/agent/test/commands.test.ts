// Commands on a real agent process (AGT9, AGT18; security.md 26, 27): a fake
// server hands the agent a command key at enrollment, then sends envelopes it
// signs (or forges) and watches what the agent runs, streams and refuses.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandEnvelope, CommandResult } from '@cloudrmm/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../src/features/commands/script.js';
import { processExists } from '../src/features/commands/process-tree.js';
import {
  AgentProcess,
  buildAgentBundle,
  commandKeyPair,
  scriptPayload,
  signedEnvelope,
  type TestKey,
} from './support/agent-process.js';

const posix = process.platform !== 'win32';
const key = commandKeyPair();
const otherKey = commandKeyPair();
let bundle: string;

beforeAll(async () => {
  bundle = await buildAgentBundle();
}, 60_000);

/** What every injection test passes as a parameter: it must arrive as one verbatim string and run nothing. */
function hostile(work: string) {
  const canary = path.join(work, 'canary');
  mkdirSync(canary, { recursive: true });
  const marker = path.join(work, 'injected');
  return {
    canary,
    marker,
    value: `$(touch ${marker}); rm -rf ${canary} ; "quotes" 'single' \`touch ${marker}\` && touch ${marker} | cat > ${marker} # end`,
  };
}

const waitGone = async (pid: number, timeoutMs = 8_000) => {
  const deadline = Date.now() + timeoutMs;
  while (processExists(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return !processExists(pid);
};

const readPid = (file: string) => Number(readFileSync(file, 'utf8').trim());

describe.skipIf(!posix)('commands on a running agent', () => {
  let agent: AgentProcess;
  const sign = (payload: Parameters<typeof signedEnvelope>[2], options?: Parameters<typeof signedEnvelope>[3]) =>
    signedEnvelope(agent.server, key, payload, options);

  beforeAll(async () => {
    agent = await AgentProcess.enrolled(bundle, key, (work) => ({
      CLOUDRMM_AGENT_REBOOT_COMMAND: `/bin/sh ${path.join(work, 'reboot.sh')} --now`,
    }));
    await agent.start();
  }, 60_000);

  afterAll(async () => {
    await agent?.close();
  });

  it('stores the command key from the enrollment, 0600, next to enrollment.json', () => {
    const file = path.join(agent.stateDir, 'command-key.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject(key.info);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['bash', 'for a in "$@"; do printf "[%s]\\n" "$a"; done; printf "env[%s]\\n" "$CLOUDRMM_PARAM_EVIL"'],
    ['sh', 'for a in "$@"; do printf "[%s]\\n" "$a"; done; printf "env[%s]\\n" "$CLOUDRMM_PARAM_EVIL"'],
    [
      'python',
      'import os, sys\nfor a in sys.argv[1:]:\n    print("[%s]" % a)\nprint("env[%s]" % os.environ["CLOUDRMM_PARAM_EVIL"])',
    ],
  ] as const)(
    '%s gets parameters with shell metacharacters verbatim in argv and env, and runs none of them',
    async (interpreter, script) => {
      const { value, marker, canary } = hostile(agent.work);
      const result = await agent.run(
        sign(scriptPayload(interpreter, script, { args: [value, 'second arg'], env: { CLOUDRMM_PARAM_EVIL: value } })),
      );
      expect(result).toMatchObject({ status: 'succeeded', exit_code: 0, stderr: '' });
      expect(result.stdout).toBe(`[${value}]\n[second arg]\nenv[${value}]\n`);
      expect(existsSync(marker)).toBe(false);
      expect(existsSync(canary)).toBe(true);
    },
  );

  it('reports a failing script with its exit code and stderr, and cleans up the script file', async () => {
    const result = await agent.run(sign(scriptPayload('bash', 'echo oops >&2; exit 3')));
    expect(result).toMatchObject({ status: 'failed', exit_code: 3, stderr: 'oops\n' });
    const temp = path.join(agent.stateDir, 'run-tmp');
    expect(readdirSync(temp)).toEqual([]);
    expect(statSync(temp).mode & 0o777).toBe(0o700);
  });

  it('streams output while the script runs, in order, ending before the result', async () => {
    const envelope = sign(scriptPayload('bash', 'for i in 1 2 3 4 5 6; do echo "line $i"; echo "err $i" >&2; sleep 0.3; done'));
    const result = await agent.run(envelope);
    const frames = agent.server.frames;
    const output = agent
      .framesOf(envelope.run_id, 'command.output')
      .map((f) => f.payload as { seq: number; stream: string; data: string });
    expect(output.length).toBeGreaterThan(2);
    expect(output.map((o) => o.seq)).toEqual([...output.keys()]);
    expect(
      output
        .filter((o) => o.stream === 'stdout')
        .map((o) => o.data)
        .join(''),
    ).toBe(result.stdout);
    expect(
      output
        .filter((o) => o.stream === 'stderr')
        .map((o) => o.data)
        .join(''),
    ).toBe(result.stderr);
    expect(result.stdout).toBe([1, 2, 3, 4, 5, 6].map((i) => `line ${i}\n`).join(''));
    const accepted = frames.indexOf(agent.framesOf(envelope.run_id, 'command.accepted')[0]!);
    const firstOutput = frames.indexOf(agent.framesOf(envelope.run_id, 'command.output')[0]!);
    const lastOutput = frames.indexOf(agent.framesOf(envelope.run_id, 'command.output').at(-1)!);
    const final = frames.indexOf(agent.framesOf(envelope.run_id, 'command.result')[0]!);
    expect(accepted).toBeLessThan(firstOutput);
    expect(lastOutput).toBeLessThan(final);
    // Live: the first chunk came well before the script ended.
    const timeOf = (index: number) => frames[index]!.ts;
    expect(timeOf(final) - timeOf(firstOutput)).toBeGreaterThan(800);
  });

  it('a timeout kills the whole process tree and reports timed_out', async () => {
    const pidFile = path.join(agent.work, `timeout-${randomUUID()}.pid`);
    const started = Date.now();
    const result = await agent.run(
      sign(scriptPayload('bash', `sleep 300 & echo $! > ${pidFile}; echo waiting; sleep 300`, { timeout_seconds: 2 })),
    );
    expect(result).toMatchObject({ status: 'timed_out', exit_code: null, stdout: 'waiting\n' });
    expect(result.error).toMatch(/timed out after 2 s/);
    expect(Date.now() - started).toBeLessThan(12_000);
    expect(await waitGone(readPid(pidFile))).toBe(true);
  });

  it('caps output per stream on a character boundary and flags it; live output stops at the cap too', async () => {
    const envelope = sign(
      scriptPayload('python', 'import sys\nsys.stdout.write("é" * 700)\nsys.stderr.write("x" * 5000)', {
        output_cap_bytes: 1024,
      }),
    );
    const result = await agent.run(envelope);
    expect(result).toMatchObject({ status: 'succeeded', stdout_truncated: true, stderr_truncated: true });
    expect(result.stdout).toBe('é'.repeat(512));
    expect(result.stderr).toBe('x'.repeat(1024));
    const live = agent
      .framesOf(envelope.run_id, 'command.output')
      .map((f) => f.payload as { stream: string; data: string })
      .filter((o) => o.stream === 'stdout')
      .map((o) => o.data)
      .join('');
    expect(live).toBe(result.stdout);
  });

  it('keeps a large, escape-heavy output under the frame limit', async () => {
    // Control characters grow six-fold in JSON: 384 KiB of them would be a 2 MiB frame.
    const result = await agent.run(
      sign(scriptPayload('python', 'import sys\nsys.stdout.write("\\x01" * 400000)', { output_cap_bytes: 384 * 1024 })),
      30_000,
    );
    expect(result.status).toBe('succeeded');
    expect(result.stdout_truncated).toBe(true);
    expect(result.stdout.length).toBeGreaterThan(100_000);
    expect(result.stdout.length).toBeLessThan(384 * 1024);
  });

  it('cancel kills the process tree and reports cancelled', async () => {
    const pidFile = path.join(agent.work, `cancel-${randomUUID()}.pid`);
    const envelope = sign(scriptPayload('bash', `sleep 300 & echo $! > ${pidFile}; echo started; wait`));
    agent.send(envelope);
    await agent.server.waitFor(
      (f) => f.type === 'command.output' && (f.payload as { run_id: string; data: string }).run_id === envelope.run_id,
    );
    agent.server.send('command.cancel', { run_id: envelope.run_id });
    const result = await agent.result(envelope.run_id);
    agent.ack(envelope.run_id);
    expect(result).toMatchObject({ status: 'cancelled', exit_code: null });
    expect(await waitGone(readPid(pidFile))).toBe(true);
    // Cancelling something unknown or finished is ignored.
    agent.server.send('command.cancel', { run_id: envelope.run_id });
    agent.server.send('command.cancel', { run_id: randomUUID() });
  });

  describe('refuses, reports and runs nothing', () => {
    const marker = () => path.join(agent.work, 'must-not-exist');
    const touch = () => scriptPayload('sh', `touch ${marker()}`);

    afterEach(() => {
      expect(existsSync(marker())).toBe(false);
    });

    async function refused(envelope: CommandEnvelope, reason: string, message: RegExp) {
      agent.send(envelope);
      const refusal = await agent.refusal(envelope.run_id);
      expect(refusal).toMatchObject({ reason });
      expect(refusal.message).toMatch(message);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(agent.framesOf(envelope.run_id, 'command.accepted')).toHaveLength(0);
      expect(agent.framesOf(envelope.run_id, 'command.result')).toHaveLength(0);
      expect(agent.stderr).toContain(`"event":"command.refused","run_id":"${envelope.run_id}","reason":"${reason}"`);
    }

    it('an unsigned command (empty signature)', async () => {
      await refused(sign(touch(), { after: (e) => ({ ...e, signature: '' }) }), 'unsigned', /not signed/);
    });

    it('an unsigned command (no signature field at all)', async () => {
      const { signature: _drop, ...unsigned } = sign(touch());
      agent.server.sendRaw(
        JSON.stringify({ v: 2, type: 'command', id: randomUUID(), ts: Date.now(), payload: { envelope: unsigned } }),
      );
      const refusal = await agent.refusal(unsigned.run_id);
      expect(refusal.reason).toBe('unsigned');
    });

    it('a bad signature (signed by another key under this key id)', async () => {
      await refused(sign(touch(), { signer: otherKey.privateKey }), 'bad_signature', /does not verify/);
    });

    it('a signature by a key this agent does not know', async () => {
      await refused(signedEnvelope(agent.server, otherKey, touch()), 'unknown_key', /enroll this machine again/);
    });

    it('an altered payload', async () => {
      const envelope = sign(scriptPayload('sh', 'echo harmless'), {
        after: (e) => ({ ...e, payload: touch() }),
      });
      await refused(envelope, 'altered', /altered/);
    });

    it('a command for another device', async () => {
      await refused(sign(touch(), { change: { device_id: randomUUID() } }), 'wrong_device', /not this one/);
    });

    it('a command for another partner', async () => {
      await refused(
        sign(touch(), { change: { partner_id: randomUUID() } }),
        'wrong_partner',
        /another partner|not this device's partner/,
      );
    });

    it('an expired command (beyond the 5 minute clock-skew grace)', async () => {
      await refused(sign(touch(), { change: { expires_at: Date.now() - 6 * 60_000 } }), 'expired', /expired at/);
    });

    it('a command of a kind this agent does not know', async () => {
      const envelope = sign(touch());
      const payload = { kind: 'format.disk', disk: '/dev/sda' };
      agent.server.sendRaw(
        JSON.stringify({
          v: 2,
          type: 'command',
          id: randomUUID(),
          ts: Date.now(),
          payload: { envelope: { ...envelope, payload } },
        }),
      );
      expect((await agent.refusal(envelope.run_id)).reason).toBe('unsupported');
    });
  });

  it('accepts an envelope that expired less than 5 minutes ago (clock skew)', async () => {
    const result = await agent.run(sign(scriptPayload('sh', 'echo ok'), { change: { expires_at: Date.now() - 60_000 } }));
    expect(result.status).toBe('succeeded');
  });

  it('runs a repeated delivery once: accepted again while running, the result again until acked, then replayed', async () => {
    const counter = path.join(agent.work, `count-${randomUUID()}`);
    const envelope = sign(scriptPayload('sh', `echo run >> ${counter}; sleep 1.5; echo done`));
    agent.send(envelope);
    await agent.server.waitFor(
      (f) => f.type === 'command.accepted' && (f.payload as { run_id: string }).run_id === envelope.run_id,
    );
    agent.send(envelope);
    await agent.waitUntil(() => agent.framesOf(envelope.run_id, 'command.accepted').length === 2, 5_000);
    const first = await agent.result(envelope.run_id);
    expect(first).toMatchObject({ status: 'succeeded', stdout: 'done\n' });
    // Not acknowledged: a new delivery gets the same result again, not a new run.
    agent.send(envelope);
    await agent.waitUntil(() => agent.framesOf(envelope.run_id, 'command.result').length === 2, 5_000);
    const again = agent.framesOf(envelope.run_id, 'command.result')[1]!.payload as { result: CommandResult };
    expect(again.result).toEqual(first);
    agent.ack(envelope.run_id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Acknowledged: a replay is refused.
    agent.send(envelope);
    const refusal = await agent.refusal(envelope.run_id);
    expect(refusal.reason).toBe('replayed');
    expect(readFileSync(counter, 'utf8')).toBe('run\n');
    // The journal keeps the run (without its output) to refuse replays until it expires.
    const entry = JSON.parse(readFileSync(path.join(agent.stateDir, 'runs', `${envelope.run_id}.json`), 'utf8')) as {
      state: string;
      result: unknown;
    };
    expect(entry).toMatchObject({ state: 'acked', result: null });
    expect(statSync(path.join(agent.stateDir, 'runs', `${envelope.run_id}.json`)).mode & 0o777).toBe(0o600);
  });

  it('runs several scripts at once, at most 8, queueing the rest in order', async () => {
    const log = path.join(agent.work, `concurrency-${randomUUID()}`);
    const acks = agent.server.onFrame((f) => {
      if (f.type === 'command.result') agent.ack((f.payload as { result: CommandResult }).result.run_id);
    });
    try {
      const envelopes = Array.from({ length: 10 }, (_, i) =>
        sign(scriptPayload('sh', `echo "start ${i}" >> ${log}; sleep 1; echo "end ${i}" >> ${log}`)),
      );
      for (const envelope of envelopes) agent.send(envelope);
      const results = await Promise.all(envelopes.map((e) => agent.result(e.run_id, 30_000)));
      expect(results.every((r) => r.status === 'succeeded')).toBe(true);
      let runningNow = 0;
      let most = 0;
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      for (const line of lines) {
        runningNow += line.startsWith('start') ? 1 : -1;
        most = Math.max(most, runningNow);
      }
      expect(most).toBe(8);
      // The two that waited started in the order they arrived, after the first eight.
      const starts = lines.filter((l) => l.startsWith('start')).map((l) => Number(l.split(' ')[1]));
      expect(starts.slice(8).sort()).toEqual([8, 9]);
    } finally {
      acks();
    }
  }, 40_000);

  it('reboot runs the CLOUDRMM_AGENT_REBOOT_COMMAND override (nothing reboots)', async () => {
    const marker = path.join(agent.work, 'rebooted');
    writeFileSync(path.join(agent.work, 'reboot.sh'), `echo "$CLOUDRMM_REBOOT_DELAY_SECONDS $*" > ${marker}\n`);
    const result = await agent.run(sign({ kind: 'reboot', delay_seconds: 90 }));
    expect(result).toMatchObject({ status: 'succeeded', exit_code: 0 });
    expect(readFileSync(marker, 'utf8')).toBe('90 --now\n');
  });

  it('inventory.refresh sends a fresh inventory now', async () => {
    const before = agent.server.frames.filter((f) => f.type === 'inventory').length;
    const result = await agent.run(sign({ kind: 'inventory.refresh' }), 60_000);
    expect(result).toMatchObject({ status: 'succeeded' });
    expect(agent.server.frames.filter((f) => f.type === 'inventory').length).toBeGreaterThan(before);
  }, 70_000);

  it('process.kill kills a process and its children; a missing pid fails', async () => {
    const parent = spawn('sh', ['-c', 'sleep 300 & sleep 300; wait'], { stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const children = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number))
      .filter(([, ppid]) => ppid === parent.pid)
      .map(([pid]) => pid!);
    expect(children.length).toBe(2);
    const result = await agent.run(sign({ kind: 'process.kill', pid: parent.pid!, tree: true }));
    expect(result).toMatchObject({ status: 'succeeded' });
    for (const pid of children) expect(await waitGone(pid)).toBe(true);

    const gone = spawn('true');
    await new Promise((resolve) => gone.on('exit', resolve));
    const missing = await agent.run(sign({ kind: 'process.kill', pid: gone.pid!, tree: false }));
    expect(missing).toMatchObject({ status: 'failed', exit_code: null });
    expect(missing.error).toMatch(/no process with pid/);
  });

  it('a missing interpreter fails the run with a clear error', async () => {
    const result = await agent.run(sign(scriptPayload('cmd', 'echo hi')));
    expect(result).toMatchObject({ status: 'failed', exit_code: null });
    expect(result.error).toMatch(/cmd scripts run only on Windows/);
  });

  const someoneAtConsole = (() => {
    try {
      return /\s(:\d|tty\d|console)/.test(execFileSync('who', { encoding: 'utf8' }));
    } catch {
      return false;
    }
  })();
  it.skipIf(someoneAtConsole)('run_as user fails clearly when no user is logged in', async () => {
    const result = await agent.run(sign(scriptPayload('sh', 'id -un', { run_as: 'user' })));
    expect(result).toMatchObject({ status: 'failed', exit_code: null });
    expect(result.error).toMatch(/no user is logged in/);
  });

  // PowerShell runs only where pwsh is installed; this machine may not have it.
  it.skipIf(!findOnPath('pwsh'))(
    'powershell (only where pwsh is installed) gets parameters verbatim',
    async () => {
      const { value, marker } = hostile(agent.work);
      const result = await agent.run(
        sign(
          scriptPayload(
            'powershell',
            'foreach ($a in $args) { Write-Output "[$a]" }; Write-Output "env[$env:CLOUDRMM_PARAM_EVIL]"',
            {
              args: [value],
              env: { CLOUDRMM_PARAM_EVIL: value },
            },
          ),
        ),
        60_000,
      );
      expect(result.status).toBe('succeeded');
      expect(result.stdout.replace(/\r\n/g, '\n')).toBe(`[${value}]\nenv[${value}]\n`);
      expect(existsSync(marker)).toBe(false);
    },
    70_000,
  );

  it('sent only frames that pass the protocol checks', () => {
    expect(agent.server.rawFrames.length).toBe(agent.server.frames.length);
  });
});

describe.skipIf(!posix)('results survive disconnects and restarts', () => {
  const agents: AgentProcess[] = [];
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.close()));
  });

  async function started(testKey: TestKey | null = key) {
    const agent = await AgentProcess.enrolled(bundle, testKey);
    agents.push(agent);
    await agent.start();
    return agent;
  }

  it('an unacknowledged result is sent again after a reconnect and after an agent restart, until acknowledged', async () => {
    const agent = await started();
    const envelope = signedEnvelope(agent.server, key, scriptPayload('sh', 'echo kept'));
    agent.send(envelope);
    const result = await agent.result(envelope.run_id);
    expect(result.stdout).toBe('kept\n');

    // The socket drops: the new session gets the result again.
    for (const ws of agent.server.sockets) ws.terminate();
    await agent.waitUntil(() => agent.framesOf(envelope.run_id, 'command.result').length === 2, 15_000);

    // The agent restarts: the result was on disk.
    await agent.stop('SIGTERM');
    await agent.start();
    await agent.waitUntil(() => agent.framesOf(envelope.run_id, 'command.result').length === 3, 15_000);
    const resent = agent.framesOf(envelope.run_id, 'command.result')[2]!.payload as { result: CommandResult };
    expect(resent.result).toEqual(result);

    agent.ack(envelope.run_id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await agent.stop('SIGTERM');
    await agent.start();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(agent.framesOf(envelope.run_id, 'command.result')).toHaveLength(3);
  }, 60_000);

  it('a backlog of results goes out at most two at a time, the next on each acknowledgement', async () => {
    const agent = await started();
    const envelopes = Array.from({ length: 5 }, () => signedEnvelope(agent.server, key, scriptPayload('sh', 'echo backlog')));
    for (const envelope of envelopes) agent.send(envelope);
    await agent.waitUntil(() => envelopes.every((e) => existsSync(path.join(agent.stateDir, 'runs', `${e.run_id}.json`))), 5_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Only two results went out; none is acknowledged.
    const results = () => agent.server.frames.filter((f) => f.type === 'command.result');
    expect(results()).toHaveLength(2);
    await agent.stop('SIGTERM');
    const before = results().length;
    await agent.start();
    await agent.waitUntil(() => results().length === before + 2, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(results()).toHaveLength(before + 2);
    const acked = new Set<string>();
    const stopAcking = agent.server.onFrame((f) => {
      if (f.type !== 'command.result') return;
      const id = (f.payload as { result: CommandResult }).result.run_id;
      acked.add(id);
      agent.ack(id);
    });
    for (const frame of results().slice(before)) {
      const id = (frame.payload as { result: CommandResult }).result.run_id;
      acked.add(id);
      agent.ack(id);
    }
    await agent.waitUntil(() => envelopes.every((e) => acked.has(e.run_id)), 10_000);
    stopAcking();
  }, 60_000);

  it('an agent killed mid-run reports the run failed when it starts again, and its script is ended', async () => {
    const agent = await started();
    const pidFile = path.join(agent.work, 'orphan.pid');
    const envelope = signedEnvelope(agent.server, key, scriptPayload('bash', `echo $$ > ${pidFile}; sleep 300`));
    agent.send(envelope);
    await agent.server.waitFor(
      (f) => f.type === 'command.accepted' && (f.payload as { run_id: string }).run_id === envelope.run_id,
    );
    await agent.waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5_000);
    await agent.stop('SIGKILL');
    await agent.start();
    const result = await agent.result(envelope.run_id);
    expect(result).toMatchObject({ status: 'failed', exit_code: null, error: 'the agent stopped while this was running' });
    agent.ack(envelope.run_id);
    expect(await waitGone(readPid(pidFile))).toBe(true);
    // The same envelope again is not run again.
    agent.send(envelope);
    expect((await agent.refusal(envelope.run_id)).reason).toBe('replayed');
  }, 60_000);

  it('an agent enrolled without a command key refuses every command and says to re-enroll', async () => {
    const agent = await started(null);
    expect(existsSync(path.join(agent.stateDir, 'command-key.json'))).toBe(false);
    const envelope = signedEnvelope(agent.server, key, scriptPayload('sh', 'echo never'));
    agent.send(envelope);
    const refusal = await agent.refusal(envelope.run_id);
    expect(refusal.reason).toBe('unknown_key');
    expect(refusal.message).toMatch(/enroll this machine again/);
  }, 60_000);
});
