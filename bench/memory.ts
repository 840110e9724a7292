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
const JOB_TIMEOUT_MS = 180_000;
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

type AfterGc = { rss: number; heapUsed: number } | { error: string };

/** Forces a full GC in the engine (inspector), waits a second, and reads RSS and the JS heap in use. */
async function afterGc(pid: number): Promise<AfterGc> {
  try {
    const heap = await collectGarbage(pid);
    await sleep(1000);
    return { rss: memoryOf(pid).rss, heapUsed: heap.usedBytes };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

interface JobMemory {
  seconds: number;
  peakRss: number;
  samples: Array<{ afterMs: number; rss: number }>;
  /** After the last sample, a forced full GC (through the inspector): RSS and JS heap in use. */
  gc: AfterGc;
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
    for (const deadline = Date.now() + JOB_TIMEOUT_MS; ;) {
      const x = await served.client.call('experiments.get', { id });
      if (Date.now() > deadline) {
        const history = await served.client.call('experiments.statuses', { id });
        throw new Error(
          `experiment ${id} did not end within ${JOB_TIMEOUT_MS / 1000} s; statuses: ${history.map((h) => `${h.status} ${h.at}`).join(', ')}`,
        );
      }
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
    return { seconds, peakRss, samples, gc: await afterGc(pid) };
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
  const served = await startServe(home).catch((e) => {
    removeDir(home);
    removeDir(code);
    throw e;
  });
  try {
    await served.client.call('system.info', {});
    await sleep(SETTLE_IDLE_MS);
    const pid = served.proc.pid!;
    const idle = memoryOf(pid).rss;
    // Opens the inspector: every "after GC" figure below, idle included, has it attached.
    const idleGc = await afterGc(pid);
    const jobs: JobMemory[] = [];
    for (let j = 0; j < JOBS; j++) {
      log(`memory: job ${j + 1}/${JOBS}: ${POINTS.toLocaleString('en-US')} points`);
      jobs.push(await ingestJob(served, home, code));
    }
    const hwm = memoryOf(pid).hwm;
    const first = jobs[0];
    const last = jobs[jobs.length - 1];
    // "No growth": within 10 % (at least 10 MiB of RSS, 1 MiB of heap) of the reference.
    const within = (b: number, ref: number, floor = 10 * MiB) => b - ref <= Math.max(floor, 0.1 * ref);
    const rss = (what: string, bytes: number, ref?: { what: string; bytes: number }): Figure => ({
      what,
      value: mb(bytes),
      unit: 'MiB',
      ...(ref && { baseline: { what: ref.what, value: mb(ref.bytes) }, ratio: bytes / ref.bytes }),
    });
    const growth = (what: string, bytes: number, ref: number, floor?: number): Figure => ({
      what: `growth: ${what}`,
      value: mb(bytes - ref),
      unit: 'MiB',
      goal: 'no growth (≤ 10 %)',
      met: within(bytes, ref, floor),
    });
    const idleRef = { what: 'idle engine', bytes: idle };
    const figures: Figure[] = [
      {
        ...rss('idle engine RSS', idle, { what: 'bare idle node', bytes: bare }),
        goal: '< 150 MB (143 MiB)',
        met: idle < 150e6,
      },
      ...('rss' in idleGc
        ? [
            rss('idle, after a forced full GC', idleGc.rss),
            rss('idle: JS heap in use after GC', idleGc.heapUsed),
          ]
        : []),
      ...jobs.flatMap((jm, j) => [
        rss(`job ${j + 1}: peak RSS while ingesting`, jm.peakRss, idleRef),
        ...jm.samples.map((x) =>
          rss(`job ${j + 1}: RSS ${x.afterMs / 1000} s after it ended`, x.rss, idleRef),
        ),
        ...('rss' in jm.gc && 'rss' in idleGc
          ? [
              rss(`job ${j + 1}: RSS after a forced full GC`, jm.gc.rss, {
                what: 'idle after GC',
                bytes: idleGc.rss,
              }),
              rss(`job ${j + 1}: JS heap in use after GC`, jm.gc.heapUsed, {
                what: 'idle after GC',
                bytes: idleGc.heapUsed,
              }),
            ]
          : []),
      ]),
      ...('rss' in idleGc && 'rss' in first.gc && 'rss' in last.gc
        ? [
            growth(`job ${JOBS} − idle, RSS after GC`, last.gc.rss, idleGc.rss),
            growth(`job ${JOBS} − job 1, RSS after GC`, last.gc.rss, first.gc.rss),
            growth(`job ${JOBS} − job 1, JS heap after GC`, last.gc.heapUsed, first.gc.heapUsed, MiB),
          ]
        : [
            growth(
              `job ${JOBS} − job 1, RSS ${SAMPLES_AFTER_MS[SAMPLES_AFTER_MS.length - 1] / 1000} s after`,
              last.samples[last.samples.length - 1].rss,
              first.samples[first.samples.length - 1].rss,
            ),
          ]),
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
        `RSS right after a run is mostly garbage V8 has not collected or given back yet; it does so some 10–30 s after the work stops, at a time that varies from run to run (AXON_BENCH_MEMORY_SAMPLES_S=2,5,10,15,20,30,45,60 prints the curve). So, once idle and after each job's last sample, the benchmark forces two full GCs through the engine's inspector (opened with SIGUSR1 after the idle reading) and reads RSS and the JS heap: what the engine really keeps. The inspector adds a few MiB, which is why the growth is measured from "idle after GC", also with it attached. A leak would raise these from job to job.`,
        ...[idleGc, ...jobs.map((jm) => jm.gc)]
          .filter((g) => 'error' in g)
          .map(
            (g) =>
              `Forced GC unavailable (${'error' in g ? g.error : ''}); growth is judged on the last samples.`,
          ),
        `The baseline of the idle figure is \`node -e 'setInterval(() => {}, 1000)'\` after the same settle time; Axon's CLI also loads tsx, the SQLite binding and the API.`,
      ],
    });
  } finally {
    await served.stop();
    removeDir(home);
    removeDir(code);
  }
}
