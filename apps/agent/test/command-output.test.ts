import { describe, expect, it } from 'vitest';
import { StreamCapture, fitResult } from '../src/features/commands/output.js';

describe('command output capture', () => {
  it('cuts at the cap without splitting a character that straddles two chunks', () => {
    const capture = new StreamCapture(1024);
    const text = Buffer.from('a'.repeat(1023) + 'é' + 'tail', 'utf8');
    capture.push(text.subarray(0, 1024)); // ends inside the é
    capture.push(text.subarray(1024));
    capture.end();
    expect(capture.text()).toBe('a'.repeat(1023));
    expect(capture.truncated).toBe(true);
    expect(capture.take(1_000_000)).toBe('a'.repeat(1023));
  });

  it('decodes a character split across chunks for the live view', () => {
    const capture = new StreamCapture(4096);
    const bytes = Buffer.from('€uro', 'utf8');
    capture.push(bytes.subarray(0, 2));
    expect(capture.take()).toBe('');
    capture.push(bytes.subarray(2));
    capture.end();
    expect(capture.take()).toBe('€uro');
    expect(capture.truncated).toBe(false);
  });

  it('shrinks a result whose frame JSON escaping would make too large', () => {
    const result = fitResult(
      {
        run_id: '00000000-0000-4000-8000-000000000000',
        status: 'succeeded',
        exit_code: 0,
        stdout: '\u0001'.repeat(300_000),
        stderr: '"'.repeat(300_000),
        stdout_truncated: false,
        stderr_truncated: false,
        started_at: 1,
        finished_at: 2,
      },
      1024 * 1024 - 4096,
    );
    expect(JSON.stringify(result).length).toBeLessThan(1024 * 1024 - 4096);
    expect(result.stdout_truncated).toBe(true);
  });
});
