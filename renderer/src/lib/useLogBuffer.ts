// The lines of one job's log (the experiment's first job when `job` is left out): the tail read with experiments.logs, then kept live from logs.appended.
// The buffer is bounded (MAX_LINES; older lines are dropped and counted) and mutated in place, with a
// version number that re-renders at most every 100 ms, so a chatty job never freezes the page.
import { useEffect, useRef, useState } from 'react';
import { call, errorMessage, subscribe } from '../api';
import { displayLine } from './logLine';

/** How much of an existing log is read when the viewer opens. */
const INITIAL_TAIL_BYTES = 16 * 1024 * 1024;
const CHUNK_BYTES = 4 * 1024 * 1024;
export const MAX_LINES = 300_000;

export interface LogBuffer {
  lines: string[];
  /** Indices (into `lines`) of the lines that are not metric protocol lines. */
  plain: number[];
  /** Lines dropped from the front (the bound, or the part of a big log that was not read). */
  droppedLines: number;
  skippedBytes: number;
  /** The last line, still without its newline (a progress line, a prompt). */
  partial: string;
}

const empty = (): LogBuffer => ({ lines: [], plain: [], droppedLines: 0, skippedBytes: 0, partial: '' });

export function useLogBuffer(id: number, job?: number) {
  const buf = useRef<LogBuffer>(empty());
  const [version, setVersion] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    buf.current = empty();
    // Which job's chunks to take: a distributed run's replicas each have a log, with their own offsets.
    let jobId = job;
    let next = -1; // byte offset read up to; -1 until the first read has answered
    let pulling = false;
    let wantPull = false;
    let tick: ReturnType<typeof setTimeout> | null = null;
    const bump = () => {
      if (tick) return;
      tick = setTimeout(() => {
        tick = null;
        if (alive) setVersion((v) => v + 1);
      }, 100);
    };

    const push = (text: string, first: boolean) => {
      if (!text) return;
      const b = buf.current;
      const parts = (b.partial + text).split('\n');
      b.partial = parts.pop() ?? '';
      // A tail read starts mid-line: its first line is incomplete.
      if (first && b.skippedBytes > 0) parts.shift();
      for (const raw of parts) {
        const { line, protocol } = displayLine(raw);
        const i = b.lines.push(line) - 1;
        if (!protocol) b.plain.push(i);
      }
      if (b.lines.length > MAX_LINES + 20_000) {
        const drop = b.lines.length - MAX_LINES;
        b.lines.splice(0, drop);
        b.plain = b.plain.filter((i) => i >= drop).map((i) => i - drop);
        b.droppedLines += drop;
      }
      bump();
    };

    // Reads from `next` to the end of the file, one chunk at a time; one reader at a time.
    const pull = async () => {
      if (pulling) {
        wantPull = true;
        return;
      }
      pulling = true;
      try {
        do {
          wantPull = false;
          for (;;) {
            const c = await call('experiments.logs', { id, job, offset: next, limit: CHUNK_BYTES });
            if (!alive) return;
            if (c.nextOffset <= next) break;
            push(c.text, false);
            next = c.nextOffset;
          }
        } while (wantPull && alive);
      } catch (e) {
        if (alive) setError(errorMessage(e));
      } finally {
        pulling = false;
      }
    };

    const off = subscribe('logs.appended', (c) => {
      if (c.experimentId !== id || next < 0 || (jobId !== undefined && c.jobId !== jobId)) return;
      if (c.offset === next && !pulling) {
        push(c.text, false);
        next = c.nextOffset;
      } else if (c.nextOffset > next) void pull();
    });

    (async () => {
      try {
        // Where the log ends: an offset past the end answers with the file's size.
        const tail = await call('experiments.logs', { id, job, offset: Number.MAX_SAFE_INTEGER, limit: 1 });
        if (tail.jobId) jobId = tail.jobId; // 0: no job yet
        const end = tail.offset;
        const start = Math.max(0, end - INITIAL_TAIL_BYTES);
        buf.current.skippedBytes = start;
        let first = true;
        next = start;
        pulling = true;
        for (;;) {
          const c = await call('experiments.logs', { id, job, offset: next, limit: CHUNK_BYTES });
          if (!alive) return;
          if (c.nextOffset <= next) break;
          push(c.text, first);
          first = false;
          next = c.nextOffset;
        }
        pulling = false;
        setLoading(false);
        setVersion((v) => v + 1);
        if (wantPull) void pull();
      } catch (e) {
        pulling = false;
        if (alive) {
          setError(errorMessage(e));
          setLoading(false);
        }
      }
    })();

    return () => {
      alive = false;
      off();
      if (tick) clearTimeout(tick);
    };
  }, [id, job]);

  return { buffer: buf.current, version, loading, error };
}
