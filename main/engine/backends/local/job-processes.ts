// The processes of a local job, found by a mark in their environment (AXON_LOCAL_JOB) as well as by process
// group: a child started in its own session (`start_new_session=True`, `setsid`), a daemonised grandchild, and
// a job whose wrapper was killed are all still the job's. Every process a job starts inherits the mark unless it
// clears its environment. Linux (/proc); elsewhere only the process group is known.
import fs from 'node:fs';

export const MARK_VAR = 'AXON_LOCAL_JOB';

/** The mark of one job: its id and run folder (unique in this AXON_HOME, and ids are never reused). */
export const jobMark = (runDir: string, jobId: number) => `${jobId}:${runDir}`;

/** Pids of the live processes carrying the mark (zombies excluded). */
export function markedProcesses(mark: string): number[] {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`\0${MARK_VAR}=${mark}\0`);
  const first = Buffer.from(`${MARK_VAR}=${mark}\0`);
  const found: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const e of entries) {
    const pid = Number(e);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`);
      if (!(env.includes(needle) || env.subarray(0, first.length).equals(first))) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      found.push(pid);
    } catch {
      /* gone, or not ours */
    }
  }
  return found;
}

/** Whether the process group still has a member. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process group of `pid` (from /proc), or null when it cannot be read. */
function groupOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command's name: state, ppid, pgrp.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return null;
  }
}

/** Sends `sig` to the job's process group and to every process carrying its mark outside that group (one in
 *  it has the signal already: twice, a SIGTERM handler would run twice, the second inside the first). */
export function signalJob(pgid: number, mark: string | null, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    /* the group is gone */
  }
  for (const pid of mark ? markedProcesses(mark) : []) {
    if (groupOf(pid) === pgid) continue;
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  }
}
