import { runCli } from './cli.js';
import { stderrLogger } from './log.js';

const stopSignal = new Promise<void>((resolve) => {
  process.once('SIGTERM', () => resolve());
  process.once('SIGINT', () => resolve());
});

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  log: stderrLogger,
  stopSignal,
});
process.exit(code);
