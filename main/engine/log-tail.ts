// The end of a job's log, for the overview of a failed run: its last lines (the traceback, usually).
//
// Axon's run logs hold stdout and stderr as ONE stream on every backend: a local job writes both through the
// same file descriptor (so their order in the log is exact; splitting them would need a process in between,
// which reorders them and can outlive or die before the job), Docker's two streams are demultiplexed and then
// joined line by line into the run's log, and the Kubernetes pod log API joins them itself. So what is shown
// is "the end of the log", said so, with a Python traceback found in it when there is one.
import fs from 'node:fs';
import { ApiError, type LogTail } from '../../shared/api';
import type { Store } from './store';
import { protocolStart } from './tracking/protocol';

/** How much of the file's end is read: enough for a few hundred long lines, never the whole log. */
const TAIL_BYTES = 256 * 1024;
const TRACEBACK = /^\s*Traceback \(most recent call last\):/;

/**
 * The last `n` lines of a log's text as a person reads them: metric protocol records left out, a line
 * rewritten with `\r` (a progress bar) in its last state. When a Python traceback begins a little before
 * those lines (within 4·n), the window starts at its first line, so the traceback is shown whole.
 * `tracebackAt`: the index in `lines` of the last traceback's first line, or null.
 */
export function tailLines(
  text: string,
  n: number,
): { lines: string[]; tracebackAt: number | null; omittedBefore: boolean } {
  const all: string[] = [];
  const raw = text.split('\n');
  // A trailing newline ends the last line; it does not start an empty one.
  if (raw.length && raw[raw.length - 1] === '') raw.pop();
  for (const line of raw) {
    const at = protocolStart(line);
    // A metric record (possibly after a progress bar on the same line): the bar stays, the record goes.
    const kept = at < 0 ? line : line.slice(0, at);
    if (at === 0) continue;
    const shown = lastState(kept);
    if (at > 0 && !shown.trim()) continue;
    all.push(shown);
  }
  let start = Math.max(0, all.length - n);
  let tb: number | null = null;
  for (let i = all.length - 1; i >= Math.max(0, all.length - 4 * n); i--)
    if (TRACEBACK.test(all[i]!)) {
      tb = i;
      break;
    }
  if (tb !== null && tb < start) start = tb;
  return { lines: all.slice(start), tracebackAt: tb === null ? null : tb - start, omittedBefore: start > 0 };
}

/** What a terminal shows of a line rewritten with `\r`: the text after the last `\r` that is followed by any. */
function lastState(line: string): string {
  const trimmed = line.endsWith('\r') ? line.replace(/\r+$/, '') : line;
  const cr = trimmed.lastIndexOf('\r');
  return cr < 0 ? trimmed : trimmed.slice(cr + 1);
}

/** The end of the log of one job of experiment `id`: the given job, else the first failed one, else the master. */
export async function logTail(
  store: Store,
  id: number,
  job: number | undefined,
  n: number,
): Promise<LogTail> {
  await store.experiments.row(id);
  const jobs = await store.jobs.forExperiment(id);
  const row =
    job !== undefined
      ? jobs.find((j) => j.id === job)
      : (jobs.find((j) => j.status === 'failed' || (j.exit_code ?? 0) !== 0) ?? jobs[0]);
  if (job !== undefined && !row)
    throw new ApiError(
      'not_found',
      `experiment ${id} has no job ${job} (its jobs: ${jobs.map((j) => j.id).join(', ') || 'none'})`,
    );
  const base = {
    experimentId: id,
    jobId: row?.id ?? null,
    replica: row ? `${row.role}-${row.replica_index}` : null,
    streams: 'merged' as const,
  };
  const file = row?.log_path;
  const size = file
    ? await fs.promises.stat(file).then(
        (s) => s.size,
        () => -1,
      )
    : -1;
  if (!file || size < 0) return { ...base, lines: [], tracebackAt: null, omittedBefore: false, logBytes: 0 };
  const len = Math.min(size, TAIL_BYTES);
  const fh = await fs.promises.open(file, 'r');
  let text: string;
  try {
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    text = buf.toString('utf8');
  } finally {
    await fh.close();
  }
  // Read from the middle of the file: its first line is a piece of a longer one.
  if (len < size) text = text.slice(text.indexOf('\n') + 1);
  const t = tailLines(text, n);
  return { ...base, ...t, omittedBefore: t.omittedBefore || len < size, logBytes: size };
}
