// Prints one plain closing line, "playwright: N passed, N failed", after Playwright's own
// summary, for CI systems that read the last line of `npm test`.
import type { FullResult, Reporter, TestCase, TestResult } from "@playwright/test/reporter";

export default class SummaryReporter implements Reporter {
  private passed = 0;
  private failed = 0;
  private skipped = 0;

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.retry < test.retries && result.status !== "passed" && result.status !== "skipped") return;
    if (result.status === "passed") this.passed++;
    else if (result.status === "skipped") this.skipped++;
    else this.failed++;
  }

  onEnd(_result: FullResult): void {
    process.once("exit", () => process.stdout.write(`playwright: ${this.passed} passed, ${this.failed} failed${this.skipped ? `, ${this.skipped} skipped` : ""}\n`));
  }

  printsToStdio(): boolean {
    return false;
  }
}
