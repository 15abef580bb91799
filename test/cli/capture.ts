import { runCli } from '../../src/cli/program.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** A CLI runner that captures stdout and stderr and reads `now` as the current instant. */
export function capturingCli(now: number): (...args: string[]) => Promise<CliResult> {
  return async (...args) => {
    let out = '';
    let err = '';
    const code = await runCli(args, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), now: () => now });
    return { code, out, err };
  };
}
