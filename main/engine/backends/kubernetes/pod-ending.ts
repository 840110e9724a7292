// A pod's ending written beside the job's log before Axon deletes the pod. The runner records an ending only
// after the backend hands it over; an engine that closes (or dies) between the delete and that record left
// the next engine a job whose pod is gone, which read as "lost" although it had succeeded, with its log,
// metrics and outputs home (found by a new-user trial: kill -9 of the engine, then `axon ps`). The file is
// what the pod's state was: the next engine takes the ending from it, as the local backend takes an exit
// code from its `.exit` file.
import fs from 'node:fs';
import type { JobOutcome } from '../backend';

export const endingFile = (logPath: string) => `${logPath}.ended.json`;

/** Written whole (a temporary name renamed) and flushed before the pod is deleted. */
export function saveEnding(logPath: string, outcome: JobOutcome): void {
  const file = endingFile(logPath);
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, JSON.stringify(outcome));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** The ending saved before the pod was deleted, if any. */
export function savedEnding(logPath: string): JobOutcome | null {
  try {
    const o = JSON.parse(fs.readFileSync(endingFile(logPath), 'utf8')) as JobOutcome;
    return typeof o === 'object' && o !== null && 'exitCode' in o ? o : null;
  } catch {
    return null;
  }
}
