import { StringDecoder } from 'node:string_decoder';
import { MAX_FRAME_BYTES, encodeAgentFrame, type CommandResult } from '@cloudrmm/protocol';

/** The largest piece of output one `command.output` frame carries (UTF-16 units; the schema allows 65,536). */
export const LIVE_CHUNK_CHARS = 32 * 1024;

/** Where a cut of `buffer` at `end` bytes falls without splitting a UTF-8 character. */
export function utf8Boundary(buffer: Buffer, end: number): number {
  if (end >= buffer.length) return buffer.length;
  let cut = end;
  // Back over continuation bytes (10xxxxxx) to the start of the character the cut falls in.
  while (cut > 0 && (buffer[cut]! & 0xc0) === 0x80) cut--;
  return cut;
}

/** Where a cut of `text` at `end` UTF-16 units falls without splitting a surrogate pair. */
export function charBoundary(text: string, end: number): number {
  if (end >= text.length) return text.length;
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}

/**
 * One output stream of a run: keeps its first `cap` bytes (cut on a character
 * boundary, `truncated` when more came), and the text produced since the last
 * live chunk was taken.
 */
export class StreamCapture {
  private readonly parts: Buffer[] = [];
  private bytes = 0;
  private full = false;
  truncated = false;
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    if (this.full) {
      if (chunk.length > 0) this.truncated = true;
      return;
    }
    if (this.bytes + chunk.length <= this.cap) {
      this.parts.push(chunk);
      this.bytes += chunk.length;
      this.pending += this.decoder.write(chunk);
      return;
    }
    this.truncated = true;
    this.full = true;
    // The cut may fall in a character that began in an earlier chunk: cut the whole.
    const all = Buffer.concat([...this.parts, chunk]);
    const cut = utf8Boundary(all, this.cap);
    if (cut > this.bytes) this.pending += this.decoder.write(all.subarray(this.bytes, cut));
    this.parts.length = 0;
    this.parts.push(all.subarray(0, cut));
    this.bytes = cut;
  }

  /** The stream ended: an incomplete character the decoder still holds becomes live text (unless the cap cut it off). */
  end(): void {
    if (!this.full) this.pending += this.decoder.end();
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Takes up to `max` UTF-16 units of text not yet sent live. */
  take(max = LIVE_CHUNK_CHARS): string {
    const cut = charBoundary(this.pending, Math.min(max, this.pending.length));
    const piece = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    return piece;
  }

  /** Drops the text not yet sent live (no one is listening). */
  discardPending(): void {
    this.pending = '';
  }

  text(): string {
    return Buffer.concat(this.parts).toString('utf8');
  }
}

const frameBytes = (result: CommandResult) => Buffer.byteLength(encodeAgentFrame('command.result', { result }));

/**
 * Shrinks the output until the `command.result` frame fits the protocol's
 * limit: JSON escaping can make output of a few hundred KiB (control
 * characters, quotes) several times larger on the wire.
 */
export function fitResult(result: CommandResult, limit = MAX_FRAME_BYTES - 4096): CommandResult {
  let fitted = result;
  for (let size = frameBytes(fitted), rounds = 0; size > limit && rounds < 64; size = frameBytes(fitted), rounds++) {
    const stream = fitted.stdout.length >= fitted.stderr.length ? 'stdout' : 'stderr';
    const text = fitted[stream];
    const keep = charBoundary(text, Math.max(0, Math.floor(text.length * (limit / size) * 0.9)));
    fitted = { ...fitted, [stream]: text.slice(0, Math.min(keep, text.length - 1)), [`${stream}_truncated`]: true };
  }
  return fitted;
}
