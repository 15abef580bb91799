/** What a command needs from the outside world, injected so tests can run commands in-process. */
export interface CliContext {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Current instant, epoch milliseconds (the default for --from and the like). */
  now(): number;
  /** Whether stderr is a terminal: progress bars are drawn only then. */
  stderrIsTTY?: boolean;
  /** Whether stdout is a terminal: a command that streams data there draws no progress line between it. */
  stdoutIsTTY?: boolean;
  /** The environment commands read beyond their options (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Waits between polls (backfill --wait); tests make it advance the world instead. */
  sleep?: (ms: number) => Promise<void>;
  /** Resolves when a command that serves until stopped (runs replay) should stop: SIGINT/SIGTERM by default. */
  untilStopped?: () => Promise<void>;
  /** Width of the terminal stderr is, for progress lines (default 80). */
  stderrColumns?: number;
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export function processContext(): CliContext {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    now: () => Date.now(),
    stderrIsTTY: process.stderr.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    ...(process.stderr.columns ? { stderrColumns: process.stderr.columns } : {}),
  };
}

/** A bad command line: reported as one line on stderr, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Ends a command with this exit status after it has printed its own report (e.g. doctor's failures). */
export class ExitStatus extends Error {
  override readonly name = 'ExitStatus';
  constructor(readonly status: number) {
    super(`exit status ${status}`);
  }
}
