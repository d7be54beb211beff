// Small shared pieces of the Node command-line tools: argument errors, a progress bar that works
// in a terminal and in CI logs, and JSON output.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SettingsError } from '../../src/lib/rlhf/settings';

/** Thrown for bad command-line input; the CLI prints the message and exits with status 2. */
export class UsageError extends Error {}

export function parsePositiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

export function parseNonNegativeNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number >= 0, got "${value}"`);
  return n;
}

export function parseChoice<T extends string>(name: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${value}"`);
  }
  return value as T;
}

export function writeJsonFile(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * A progress bar on stderr. In a terminal it redraws one line; elsewhere (CI, a log file) it
 * prints a line at most every `logEverySeconds`, so logs stay readable.
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastLog = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly logEverySeconds = 10,
  ) {}

  update(done: number, detail = ''): void {
    const now = Date.now();
    const elapsed = (now - this.started) / 1000;
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : Number.NaN;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    const line = `${this.label} [${bar}] ${done}/${this.total} ${formatSeconds(elapsed)} elapsed, ${formatSeconds(eta)} left ${detail}`;
    if (this.tty) {
      process.stderr.write(`\r${line.padEnd(110).slice(0, 160)}`);
    } else if (now - this.lastLog >= this.logEverySeconds * 1000 || done >= this.total) {
      process.stderr.write(`${line}\n`);
      this.lastLog = now;
    }
  }

  finish(detail = ''): void {
    this.update(this.total, detail);
    if (this.tty) process.stderr.write('\n');
  }
}

/** Runs a CLI main function: usage errors and refused settings exit 2 with the message, other errors exit 1. */
export function runCli(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      // An impossible setting is bad input like a bad flag: status 2, whoever found it.
      const code = (error as { code?: unknown } | null)?.code;
      const parseArgsError = typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
      if (error instanceof UsageError || error instanceof SettingsError || parseArgsError) {
        process.stderr.write(`error: ${(error as Error).message}\n`);
        process.exit(2);
      }
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      if (error instanceof Error && process.env.DEBUG) process.stderr.write(`${error.stack}\n`);
      process.exit(1);
    },
  );
}
