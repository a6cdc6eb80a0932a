import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

export interface BundleFile {
  bytes: Buffer;
  sha256: string;
}

/**
 * The agent bundle the install scripts download (apps/agent/dist/cloudrmm-agent.mjs,
 * or CLOUDRMM_AGENT_BUNDLE). Read from disk when it changes, so a rebuilt agent
 * is served, and hashed with what is served: the checksum a script embeds is
 * always the one of the file it will download.
 */
export class AgentBundle {
  private cached: { mtimeMs: number; size: number; file: BundleFile } | null = null;

  constructor(readonly path: string) {}

  /** null when the agent has not been built (or the file is unreadable). */
  async read(): Promise<BundleFile | null> {
    try {
      const info = await stat(this.path);
      if (!info.isFile()) return null;
      if (this.cached?.mtimeMs === info.mtimeMs && this.cached.size === info.size) return this.cached.file;
      const bytes = await readFile(this.path);
      const file = { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
      this.cached = { mtimeMs: info.mtimeMs, size: info.size, file };
      return file;
    } catch {
      return null;
    }
  }
}
