// Resources of this machine and of the local backend's jobs. Each local job runs in its own process group
// (the wrapper is spawned detached, so its pid is the group id); a job's CPU and memory are the sums over the
// live processes of that group, read from /proc/<pid>/stat. Linux only: elsewhere the group readers return
// an empty map.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export interface MachineResources {
  cpuCount: number;
  totalMemoryBytes: number;
  /** What os.freemem() reports: MemAvailable on Linux with Node 20's libuv. */
  freeMemoryBytes: number;
}

export function machineResources(): MachineResources {
  return {
    cpuCount: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    totalMemoryBytes: os.totalmem(),
    freeMemoryBytes: os.freemem(),
  };
}

let clkTck: number | undefined;
let pageSize: number | undefined;

function getconf(name: string, fallback: number): number {
  try {
    const v = Number.parseInt(
      execFileSync('getconf', [name], { encoding: 'utf8', timeout: 2000 }).trim(),
      10,
    );
    return Number.isFinite(v) && v > 0 ? v : fallback;
  } catch {
    return fallback;
  }
}

/** Clock ticks per second of the times in /proc/<pid>/stat (USER_HZ, 100 on every Linux in practice). */
export function clockTicks(): number {
  return (clkTck ??= getconf('CLK_TCK', 100));
}

export function pageBytes(): number {
  return (pageSize ??= getconf('PAGESIZE', 4096));
}

export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie: exited, not yet waited for), T, I, ... */
  state: string;
  pgrp: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  cpuTicks: number;
  rssPages: number;
}

/**
 * Parses one /proc/<pid>/stat line. The command name (field 2) sits in parentheses and may itself hold
 * spaces and parentheses, so the fields after it are counted from the last ')'. Returns null for text that
 * is not a stat line.
 */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number.parseInt(text.slice(0, open), 10);
  // After ')': state is field 3, so field k is rest[k - 3].
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (k: number) => Number(rest[k - 3]);
  const pgrp = field(5);
  const utime = field(14);
  const stime = field(15);
  const cutime = field(16);
  const cstime = field(17);
  const rss = field(24);
  if (![pid, pgrp, utime, stime, cutime, cstime, rss].every(Number.isFinite)) return null;
  // Children's times count too: when a process of the group exits, the parent that waits for it inherits its
  // ticks in cutime/cstime, so the group's total does not drop when short-lived children come and go.
  return { pid, state: rest[0], pgrp, cpuTicks: utime + stime + cutime + cstime, rssPages: rss };
}

export interface GroupTotals {
  cpuTicks: number;
  rssBytes: number;
  /** Members that have not exited (zombies left out). */
  processes: number;
}

/**
 * Sums /proc/<pid>/stat over the live processes of each process group asked for (all groups when `pgids` is
 * omitted). Zombies count for their ticks (until their parent waits for them and takes the ticks into its
 * cutime) but not as processes; a group whose members are all zombies is left out, as it has ended. Processes
 * that vanish mid-scan are skipped.
 */
export function readGroupTotals(pgids?: Iterable<number>, procRoot = '/proc'): Map<number, GroupTotals> {
  const want = pgids ? new Set(pgids) : null;
  const out = new Map<number, GroupTotals>();
  let entries: string[];
  try {
    entries = fs.readdirSync(procRoot);
  } catch {
    return out;
  }
  const page = pageBytes();
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = fs.readFileSync(`${procRoot}/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const st = parseProcStat(text);
    if (!st || (want && !want.has(st.pgrp))) continue;
    const t = out.get(st.pgrp) ?? { cpuTicks: 0, rssBytes: 0, processes: 0 };
    t.cpuTicks += st.cpuTicks;
    t.rssBytes += st.rssPages * page;
    if (st.state !== 'Z' && st.state !== 'X') t.processes += 1;
    out.set(st.pgrp, t);
  }
  for (const [pgid, t] of out) if (t.processes === 0) out.delete(pgid);
  return out;
}

export interface GroupSample {
  pgid: number;
  /** 100 = one CPU busy for the whole interval; null on the first sample of a group (nothing to compare). */
  cpuPercent: number | null;
  /** Sum of the members' RSS (pages shared between them are counted once per process). */
  rssBytes: number;
  processes: number;
}

/**
 * CPU% and RSS of process groups, from the change in CPU ticks between consecutive sample() calls over the
 * wall time between them: ticks / CLK_TCK / seconds × 100. A group with no live process is left out.
 */
export class ProcessGroupSampler {
  private last = new Map<number, { ticks: number; at: bigint }>();

  constructor(private readonly procRoot = '/proc') {}

  sample(pgids: Iterable<number>): GroupSample[] {
    const ids = [...new Set(pgids)];
    const totals = readGroupTotals(ids, this.procRoot);
    const at = process.hrtime.bigint();
    const hz = clockTicks();
    const out: GroupSample[] = [];
    for (const pgid of ids) {
      const t = totals.get(pgid);
      if (!t) {
        this.last.delete(pgid);
        continue;
      }
      const prev = this.last.get(pgid);
      let cpuPercent: number | null = null;
      if (prev) {
        const seconds = Number(at - prev.at) / 1e9;
        // A member that ended unwaited-for (its parent outside the group) takes its ticks away: clamp at 0.
        cpuPercent = seconds > 0 ? Math.max(0, (t.cpuTicks - prev.ticks) / hz / seconds) * 100 : null;
      }
      this.last.set(pgid, { ticks: t.cpuTicks, at });
      out.push({ pgid, cpuPercent, rssBytes: t.rssBytes, processes: t.processes });
    }
    return out;
  }

  /** Forget a group (its job ended). */
  forget(pgid: number): void {
    this.last.delete(pgid);
  }
}
