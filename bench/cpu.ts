import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (user + system, ms) of this process: gateway, worker and bench client together. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/**
 * CPU time (ms) of a process and every live descendant, plus what its reaped children used
 * (PostgreSQL forks a backend per connection). Undefined where /proc is not there.
 */
export function treeCpuMs(rootPid: number | undefined): number | undefined {
  if (rootPid === undefined) return undefined;
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return undefined;
  }
  const stats = new Map<number, { ppid: number; cpu: number; reaped: number }>();
  for (const e of entries) {
    try {
      const raw = readFileSync(`/proc/${e}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) in parentheses.
      const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(e), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) * TICK_MS, reaped: (Number(f[13]) + Number(f[14])) * TICK_MS });
    } catch {
      // gone since the listing
    }
  }
  if (!stats.has(rootPid)) return undefined;
  let total = 0;
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    const s = stats.get(pid)!;
    total += s.cpu + (pid === rootPid ? s.reaped : 0);
    for (const [child, c] of stats) if (c.ppid === pid) queue.push(child);
  }
  return total;
}
