import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
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

/** A fresh directory with a database path in it for each test, removed after it. */
export function useScratchDb(prefix = 'agentcron-cli-'): { readonly dir: string; readonly db: string } {
  const scratch = { dir: '', db: '' };
  beforeEach(() => {
    scratch.dir = mkdtempSync(join(tmpdir(), prefix));
    scratch.db = join(scratch.dir, 'agentcron.db');
  });
  afterEach(() => rmSync(scratch.dir, { recursive: true, force: true }));
  return scratch;
}
