import fs from 'node:fs';
import path from 'node:path';

/** What a simulated agent keeps between runs, like the real agent's state folder. */
export interface AgentCredential {
  agent_id: string;
  device_id: string;
  credential: string;
  partner_id?: string;
  /** The server's command-signing key from enrollment (protocol 2). */
  command_key?: { key_id: string; public_key: string };
  /** The hash of the inventory this agent last computed (saves regenerating it when the server already has it). */
  inventory_hash?: string;
}

interface StateFile {
  version: 1;
  server: string;
  /** The software range the cached inventory hashes were computed with. */
  software: string;
  agents: Record<string, AgentCredential>;
}

/**
 * The simulator's credentials, by agent index, in one JSON file (mode 0600: it
 * holds agent credentials). A rerun against the same server reconnects the same
 * devices instead of enrolling new ones.
 */
export class StateStore {
  private data: StateFile;
  private dirty = false;

  private constructor(
    private readonly file: string | null,
    server: string,
    software: string,
    log: (line: string) => void,
  ) {
    this.data = { version: 1, server, software, agents: {} };
    if (!file || !fs.existsSync(file)) return;
    const loaded = JSON.parse(fs.readFileSync(file, 'utf8')) as StateFile;
    if (loaded.server !== server) {
      log(`state file ${file} belongs to ${loaded.server}, not ${server}: enrolling a new fleet (the file will be replaced)`);
      this.dirty = true;
      return;
    }
    this.data = loaded;
    if (loaded.software !== software) {
      for (const agent of Object.values(this.data.agents)) delete agent.inventory_hash;
      this.data.software = software;
    }
  }

  static open(file: string | null, server: string, software: string, log: (line: string) => void): StateStore {
    return new StateStore(file, server, software, log);
  }

  get(index: number): AgentCredential | undefined {
    return this.data.agents[index];
  }

  /** Credentials for the indices [first, first + count). */
  slice(first: number, count: number): Record<number, AgentCredential> {
    const out: Record<number, AgentCredential> = {};
    for (let i = first; i < first + count; i++) {
      const c = this.data.agents[i];
      if (c) out[i] = c;
    }
    return out;
  }

  set(index: number, credential: AgentCredential): void {
    this.data.agents[index] = credential;
    this.dirty = true;
  }

  /** Writes the file if anything changed (atomically: a crash never leaves half a file). */
  save(): void {
    if (!this.file || !this.dirty) return;
    fs.mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
    this.dirty = false;
  }
}
