import { readdirSync, readFileSync } from 'node:fs';

/**
 * The Linux process table as /proc shows it: enough to find the Chromium a pool launched (by a
 * marker on its command line), measure its tree's memory, and kill exactly that tree.
 */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Process state letter from /proc/PID/stat: R, S, Z (defunct), ... */
  state: string;
  rssBytes: number;
}

function readProcess(pid: number): ProcessInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pages = Number(fields[21] ?? 0);
    return { pid, ppid: Number(fields[1]), state: fields[0] ?? '?', rssBytes: pages * 4096 };
  } catch {
    return null;
  }
}

export function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProcess(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** `root` and every process below it, root first. */
export function processTree(root: number, table: ProcessInfo[] = listProcesses()): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const self = table.find((p) => p.pid === root);
  if (!self) return [];
  const out: ProcessInfo[] = [self];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!.pid) ?? []));
  return out;
}

export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** The process started with `marker` among its arguments (its children do not inherit unknown switches). */
export function findByArgument(marker: string, table: ProcessInfo[] = listProcesses()): number | null {
  const matching = table.filter((p) => commandLine(p.pid).includes(marker));
  const pids = new Set(matching.map((p) => p.pid));
  return matching.find((p) => !pids.has(p.ppid))?.pid ?? null;
}

export function treeRssBytes(root: number): number {
  return processTree(root).reduce((sum, p) => sum + p.rssBytes, 0);
}

/** SIGKILLs `root` and its descendants (children first seen, then root). Returns how many were signalled. */
export function killTree(root: number): number {
  let killed = 0;
  for (const p of processTree(root).reverse()) {
    try {
      process.kill(p.pid, 'SIGKILL');
      killed++;
    } catch {
      // already gone
    }
  }
  return killed;
}
