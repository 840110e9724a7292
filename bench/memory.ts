// Engine memory: the resident set (VmRSS) of `axon serve` idle, and after ingesting 1,000,000 metric points
// from a job that prints them as fast as it can, sampled again after settling and after a forced full GC to
// show whether it grows. A second identical job shows whether anything accumulates per run. The baseline of
// the idle figure is a bare idle Node.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import { isDone } from '../shared/statuses';
import { startServe, type Served } from '../test/helpers';
import { collectGarbage } from './inspector-gc';
import { log, nowMs, removeDir, report, sleep, tmpDir, type BenchResult, type Figure } from './lib';

const STEPS = Number(process.env.AXON_BENCH_MEMORY_STEPS ?? 250_000);
const KEYS = 4;
const POINTS = STEPS * KEYS;
const SETTLE_IDLE_MS = 5_000;
const SAMPLES_AFTER_MS = (process.env.AXON_BENCH_MEMORY_SAMPLES_S ?? '5,15,30')
  .split(',')
  .map((x) => Number(x) * 1000);
const JOBS = 2;
const MiB = 2 ** 20;
const mb = (bytes: number) => bytes / MiB;

const GEN_PY = `import sys
steps = int(sys.argv[1])
out = sys.stdout
buf = []
for i in range(steps):
    buf.append('@@axon {"metrics":{"loss":%r,"accuracy":%r,"learning_rate":%r,"grad_norm":%r},"step":%d}\\n'
               % (1.0 / (i + 1), i / steps, 0.1 * 0.99 ** (i // 1000), 1.5 + (i % 7) * 0.1, i))
    if len(buf) == 2000:
        out.write(''.join(buf))
        buf = []
out.write(''.join(buf))
out.flush()
`;

/** VmRSS and VmHWM (peak) of a process, in bytes, from /proc. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** A bare Node process doing nothing, for comparison with the idle engine. */
async function bareNodeRss(): Promise<number> {
  const p = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await sleep(SETTLE_IDLE_MS);
    return memoryOf(p.pid!).rss;
  } finally {
    p.kill('SIGTERM');
  }
}

async function countPoints(dbFile: string, experimentId: number): Promise<number> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(dbFile, sqlite3.OPEN_READONLY, (err) => (err ? reject(err) : resolve(d)));
  });
  try {
    return await new Promise<number>((resolve, reject) =>
      db.get(
        'SELECT count(*) AS n FROM metrics WHERE experiment_id = ?',
        [experimentId],
        (err, row: { n: number }) => (err ? reject(err) : resolve(row.n)),
      ),
    );
  } finally {
    db.close();
  }
}

interface JobMemory {
  seconds: number;
  peakRss: number;
  samples: Array<{ afterMs: number; rss: number }>;
  /** After the last sample, a forced full GC (through the inspector): RSS and JS heap in use; null if unavailable. */
  gc: { rss: number; heapUsed: number } | null;
  gcError?: string;
}

/** Runs the generator through the engine; samples RSS while it runs and after it ends. */
async function ingestJob(served: Served, home: string, code: string): Promise<JobMemory> {
  const pid = served.proc.pid!;
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, memoryOf(pid).rss)), 100);
  const t0 = nowMs();
  try {
    const created = await served.client.call('runs.create', {
      files: [
        {
          name: 'polyaxonfile.yml',
          text: `version: 1\nkind: experiment\nrun:\n  cmd: python3 gen.py ${STEPS}\n`,
        },
      ],
      codePath: code,
    });
    if (created.kind !== 'experiment') throw new Error(`expected an experiment, got a ${created.kind}`);
    const id = created.experiment.id;
    for (;;) {
      const x = await served.client.call('experiments.get', { id });
      if (isDone(x.status)) {
        if (x.status !== 'succeeded')
          throw new Error(`experiment ${id} ended ${x.status} (${x.statusReason})`);
        break;
      }
      await sleep(200);
    }
    const seconds = (nowMs() - t0) / 1000;
    // Counted straight from the database file: fetching a million points over the API would itself grow the engine.
    const n = await countPoints(path.join(home, 'axon.db'), id);
    if (n !== POINTS) throw new Error(`experiment ${id} stored ${n} points, expected ${POINTS}`);
    const samples: JobMemory['samples'] = [];
    const ended = nowMs();
    for (const after of SAMPLES_AFTER_MS) {
      await sleep(Math.max(0, after - (nowMs() - ended)));
      samples.push({ afterMs: after, rss: memoryOf(pid).rss });
    }
    try {
      const heap = await collectGarbage(pid);
      await sleep(1000);
      return { seconds, peakRss, samples, gc: { rss: memoryOf(pid).rss, heapUsed: heap.usedBytes } };
    } catch (e) {
      return { seconds, peakRss, samples, gc: null, gcError: e instanceof Error ? e.message : String(e) };
    }
  } finally {
    clearInterval(sampler);
  }
}

export async function run(): Promise<BenchResult> {
  const home = tmpDir('axon-bench-memory-home-');
  const code = tmpDir('axon-bench-memory-code-');
  fs.writeFileSync(path.join(code, 'gen.py'), GEN_PY);
  log('memory: bare Node baseline');
  const bare = await bareNodeRss();
  log(`memory: starting axon serve on ${home}`);
  const served = await startServe(home);
  try {
    await served.client.call('system.info', {});
    await sleep(SETTLE_IDLE_MS);
    const idle = memoryOf(served.proc.pid!).rss;
    const jobs: JobMemory[] = [];
    for (let j = 0; j < JOBS; j++) {
      log(`memory: job ${j + 1}/${JOBS}: ${POINTS.toLocaleString('en-US')} points`);
      jobs.push(await ingestJob(served, home, code));
    }
    const hwm = memoryOf(served.proc.pid!).hwm;
    // "No growth": memory after the ingest, once garbage is collected, is within 10 % (at least 10 MiB) of idle
    // and of where the first job left it. Without the inspector, the last sample stands in for "after GC".
    const within = (b: number, ref: number) => b - ref <= Math.max(10 * MiB, 0.1 * ref);
    const settled = (jm: JobMemory) => jm.gc?.rss ?? jm.samples[jm.samples.length - 1].rss;
    const first = jobs[0];
    const last = jobs[jobs.length - 1];
    const how = last.gc ? 'after GC' : `${SAMPLES_AFTER_MS[SAMPLES_AFTER_MS.length - 1] / 1000} s after`;
    const figures: Figure[] = [
      {
        what: 'idle engine RSS',
        value: mb(idle),
        unit: 'MiB',
        baseline: { what: 'bare idle node', value: mb(bare) },
        ratio: idle / bare,
        goal: '< 150 MB (143 MiB)',
        met: idle < 150e6,
      },
      ...jobs.flatMap((jm, j) => [
        {
          what: `job ${j + 1}: peak RSS while ingesting`,
          value: mb(jm.peakRss),
          unit: 'MiB',
          baseline: { what: 'idle engine', value: mb(idle) },
          ratio: jm.peakRss / idle,
        },
        ...jm.samples.map((s) => ({
          what: `job ${j + 1}: RSS ${s.afterMs / 1000} s after it ended`,
          value: mb(s.rss),
          unit: 'MiB',
          baseline: { what: 'idle engine', value: mb(idle) },
          ratio: s.rss / idle,
        })),
        ...(jm.gc
          ? [
              {
                what: `job ${j + 1}: RSS after a forced full GC`,
                value: mb(jm.gc.rss),
                unit: 'MiB',
                baseline: { what: 'idle engine', value: mb(idle) },
                ratio: jm.gc.rss / idle,
              },
              { what: `job ${j + 1}: JS heap in use after that GC`, value: mb(jm.gc.heapUsed), unit: 'MiB' },
            ]
          : []),
      ]),
      {
        what: `growth: job ${JOBS} ${how} − idle (RSS)`,
        value: mb(settled(last) - idle),
        unit: 'MiB',
        goal: 'no growth (≤ 10 %)',
        met: within(settled(last), idle),
      },
      {
        what: `growth: job ${JOBS} − job 1, ${how} (RSS)`,
        value: mb(settled(last) - settled(first)),
        unit: 'MiB',
        goal: 'no growth (≤ 10 %)',
        met: within(settled(last), settled(first)),
      },
      ...(first.gc && last.gc
        ? [
            {
              what: `growth: job ${JOBS} − job 1, JS heap after GC`,
              value: mb(last.gc.heapUsed - first.gc.heapUsed),
              unit: 'MiB',
              goal: 'no growth (≤ 10 %)',
              met: last.gc.heapUsed - first.gc.heapUsed <= Math.max(2 * MiB, 0.1 * first.gc.heapUsed),
            },
          ]
        : []),
      { what: 'peak RSS of the engine (VmHWM)', value: mb(hwm), unit: 'MiB' },
    ];
    return report({
      name: 'memory',
      params: {
        points: POINTS,
        steps: STEPS,
        keys: KEYS,
        jobs: JOBS,
        settleIdleMs: SETTLE_IDLE_MS,
        samplesAfterMs: SAMPLES_AFTER_MS,
      },
      figures,
      notes: [
        `\`axon serve\` as a child process on a temporary AXON_HOME; VmRSS from /proc/<pid>/status; idle read ${SETTLE_IDLE_MS / 1000} s after the first API call.`,
        `Each job is \`python3 gen.py\` printing ${STEPS.toLocaleString('en-US')} protocol lines × ${KEYS} metrics = ${POINTS.toLocaleString('en-US')} points as fast as it can; it took ${jobs.map((j) => j.seconds.toFixed(1)).join(' s, ')} s from runs.create to succeeded; the stored count was checked in the database file.`,
        `RSS right after a run is mostly garbage V8 has not collected or given back yet; it does so some 10–30 s after the work stops, at a time that varies from run to run (AXON_BENCH_MEMORY_SAMPLES_S=2,5,10,15,20,30,45,60 prints the curve). So after the last sample the benchmark opens the engine's inspector (SIGUSR1), forces two full GCs and reads RSS and the JS heap: what the engine really keeps. The inspector itself adds a few MiB to the job 1 and job 2 figures. A leak would raise them from job to job.`,
        ...jobs
          .filter((jm) => jm.gcError)
          .map((jm) => `Forced GC unavailable: ${jm.gcError}; the last sample stands in.`),
        `The baseline of the idle figure is \`node -e 'setInterval(() => {}, 1000)'\` after the same settle time; Axon's CLI also loads tsx, the SQLite binding and the API.`,
      ],
    });
  } finally {
    await served.stop();
    removeDir(home);
    removeDir(code);
  }
}
