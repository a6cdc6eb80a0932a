import type { Reporter, TestModule } from 'vitest/node';

/** Ends the run with one plain line, "N passed, N failed, N skipped", for CI logs. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const m of modules) {
      const tests = [...m.children.allTests()];
      for (const t of tests) count[t.result().state]++;
      // A file that failed outside its tests (import, beforeAll) counts as one failure.
      if (m.state() === 'failed' && !tests.some((t) => t.result().state === 'failed')) count.failed++;
    }
    console.log(`\n${count.passed} passed, ${count.failed} failed, ${count.skipped + count.pending} skipped`);
  }
}
