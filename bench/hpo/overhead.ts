// Orchestration overhead: a 1,000-trial random sweep of `true` at concurrency 8 through the engine (from
// runs.create to the group reaching done), against `xargs -P 8` running the same 1,000 commands, measured
// alternately in the same run. Then one instrumented run says where the engine's time goes: event-loop
// utilisation, database statements and transactions, queue passes, the log followers, the phases of each
// experiment from its status history, and a CPU profile of the engine's thread.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import type { Engine } from '../../main/engine/engine';
import { LogFollower } from '../../main/engine/tracking/follower';
import { Launcher } from '../../main/engine/backends/local/launcher';
import type { Group } from '../../shared/domain';
import {
  createGroup,
  fmtS,
  groupEnd,
  log,
  median,
  nowMs,
  printTable,
  quantile,
  startEngine,
  writeResult,
} from './common';

export interface OverheadOptions {
  reps: number;
  quick: boolean;
}

const N = 1000;
const P = 8;

const groupText = (n: number) =>
  [
    'version: 1',
    'kind: group',
    'hptuning:',
    `  concurrency: ${P}`,
    '  seed: 1',
    `  random_search: {n_experiments: ${n}}`,
    '  matrix:',
    '    x: {uniform: [0, 1]}',
    'run:',
    '  cmd: "true"',
  ].join('\n');

/** CPU time the whole machine spent busy so far (all processes, user + system), from /proc/stat. */
function machineCpuS(): number {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (f.reduce((x, y) => x + y, 0) - f[3] - f[4]) / 100;
  } catch {
    return Number.NaN;
  }
}

interface Timed {
  ms: number;
  /** Machine CPU seconds spent during the run (every process: the engine, its jobs, the kernel, others). */
  cpuS: number;
}

async function timed(fn: () => Promise<unknown>): Promise<Timed> {
  const c0 = machineCpuS();
  const t0 = nowMs();
  await fn();
  return { ms: nowMs() - t0, cpuS: machineCpuS() - c0 };
}

/**
 * Folders the runs wrote, removed only after the last timed run: deleting thousands of files makes ext4's
 * inode allocation slow for the next ~30 s (find_inode_bit → recently_deleted, 35% of the engine's CPU in a
 * perf profile taken right after a deletion), which would charge one run for the cleanup of the one before.
 */
const leftovers: string[] = [];

function runShell(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('/bin/bash', ['-c', script], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}: ${err}`))));
  });
}

/** The issue's baseline: 1,000 × `bash -c true`, 8 at a time. */
const xargsPlain = (n: number) =>
  timed(() => runShell(`printf 'true\\n%.0s' {1..${n}} | xargs -P ${P} -I{} bash -c {}`));

/**
 * The floor of the local backend's job model: the same 1,000 jobs through its launcher (a wrapper subshell
 * per job with its pid, log and exit files, and the job's environment), 8 at a time, with nothing else of the
 * engine: no store, no log followers, no run folders.
 */
async function launcherAlone(n: number): Promise<Timed> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'axon-hpo-launcher-'));
  leftovers.push(dir);
  const launcher = new Launcher();
  const env = { ...(process.env as Record<string, string>) };
  // About what jobEnv gives a sweep's job: its ids, paths, the API's address and token, its params.
  for (const k of ['EXPERIMENT_ID', 'GROUP_ID', 'PROJECT', 'OUTPUTS_PATH', 'API_URL', 'RUN_TOKEN', 'PARAMS'])
    env[`AXON_${k}`] = `value of ${k}`;
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    let next = 0;
    const slot = async () => {
      while (next < n) {
        const i = next++;
        const f = path.join(dir, String(i));
        const { exited } = await launcher.start({
          jobId: i + 1,
          cwd: dir,
          cmd: 'true',
          env: { ...env, AXON_JOB: String(i) },
          logPath: `${f}.log`,
          exitFile: `${f}.exit`,
          pidFile: `${f}.pid`,
        });
        await exited;
      }
    };
    return await timed(() => Promise.all(Array.from({ length: P }, slot)));
  } finally {
    clearInterval(keepAlive);
  }
}

/** The status history of every experiment: per-experiment phases, slot refill, concurrency reached. */
async function historyStats(engine: Engine) {
  const hist = await engine.store.db.all<{ entity_id: number; status: string; at: string }>(
    `SELECT entity_id, status, at FROM status_history WHERE entity = 'experiment' ORDER BY id`,
  );
  const at = new Map<number, Record<string, number>>();
  for (const h of hist) {
    const m = at.get(h.entity_id) ?? {};
    m[h.status] = Date.parse(h.at);
    at.set(h.entity_id, m);
  }
  const exps = [...at.values()];
  const phase = (a: string, b: string) => exps.map((m) => m[b] - m[a]).filter(Number.isFinite);
  // Slot refill: from each experiment's end to the next `scheduled` after it.
  const ends = exps.map((m) => m.succeeded).sort((a, b) => a - b);
  const sched = exps.map((m) => m.scheduled).sort((a, b) => a - b);
  const refill: number[] = [];
  let j = 0;
  for (const e of ends.slice(0, ends.length - P)) {
    while (j < sched.length && sched[j] < e) j++;
    if (j < sched.length) refill.push(sched[j] - e);
  }
  // Active experiments (scheduled..succeeded) over time: the mean and the most at once.
  const marks = exps.flatMap((m) => [
    [m.scheduled, 1],
    [m.succeeded, -1],
  ]);
  marks.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  let last = marks[0][0];
  let area = 0;
  for (const [t, d] of marks) {
    area += cur * (t - last);
    last = t;
    cur += d;
    max = Math.max(max, cur);
  }
  return {
    phases: {
      'created → scheduled (waiting for a slot)': phase('created', 'scheduled'),
      'scheduled → running (launch: run dir, job row, spawn)': phase('scheduled', 'running'),
      'running → succeeded (process, log drain, finalize)': phase('running', 'succeeded'),
      'experiment end → next scheduled (slot refill)': refill,
    },
    meanActive: area / (marks[marks.length - 1][0] - marks[0][0]),
    maxActive: max,
  };
}

async function engineRun(
  n: number,
  project: string,
): Promise<Timed & { history: Awaited<ReturnType<typeof historyStats>> }> {
  const be = await startEngine({ keepHome: true });
  leftovers.push(be.home);
  try {
    let g: Group | undefined;
    const t = await timed(async () => {
      g = await groupEnd(be.engine, await createGroup(be.engine, groupText(n), project));
    });
    if (g?.status !== 'done' || g.progress.succeeded !== n)
      throw new Error(`group ended ${g?.status} with ${g?.progress.succeeded}/${n} succeeded`);
    return { ...t, history: await historyStats(be.engine) };
  } finally {
    await be.close();
  }
}

type AnyFn = (...a: unknown[]) => unknown;

/** Wraps obj[name] to count calls and sum the time until each call's promise settles. */
function meter(
  obj: object,
  name: string,
  stats: Map<string, { n: number; ms: number; max: number }>,
  label = name,
) {
  const o = obj as Record<string, AnyFn>;
  const orig = o[name];
  const s = { n: 0, ms: 0, max: 0 };
  stats.set(label, s);
  o[name] = function (this: unknown, ...args: unknown[]) {
    const t0 = nowMs();
    s.n++;
    const out = orig.apply(this, args);
    const end = () => {
      const d = nowMs() - t0;
      s.ms += d;
      s.max = Math.max(s.max, d);
    };
    if (out instanceof Promise) out.then(end, end);
    else end();
    return out;
  };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
  children?: number[];
}

/** Where a profile node's self time belongs: engine module, sqlite3, a Node internal, GC, idle… */
function category(url: string, fnName: string): string {
  if (!url) return fnName.startsWith('(') ? fnName : '(native)';
  const rel = url.replace(/^file:\/\//, '');
  const m = /\/(main\/engine\/[^?]+|shared\/[^?]+)$/.exec(rel);
  if (m) return m[1].replace(/\.ts$/, '');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(rel);
  if (nm) return `node_modules/${nm[1]}`;
  if (rel.startsWith('node:'))
    return rel
      .replace(/^node:internal\//, 'node:')
      .split('/')
      .slice(0, 2)
      .join('/');
  return path.basename(rel);
}

/**
 * How long the synchronous part of child_process.spawn() blocks this (the engine's) thread: libuv forks the
 * whole process, so the cost grows with its resident memory. Measured right after the run, in its process.
 */
async function spawnCallMs(n: number): Promise<{ medianMs: number; rssMiB: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = nowMs();
    const c = spawn('/bin/true', [], { stdio: 'ignore', detached: true });
    times.push(nowMs() - t0);
    await new Promise((r) => c.on('exit', r));
  }
  return { medianMs: median(times), rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) };
}

async function profiledRun(n: number, project: string) {
  const be = await startEngine();
  const engine = be.engine;
  const stats = new Map<string, { n: number; ms: number; max: number }>();
  for (const m of ['all', 'run', 'exec', 'transaction']) meter(engine.store.db, m, stats, `db.${m}`);
  meter(engine.queue, 'pass', stats, 'queue.pass');
  meter(engine.queue, 'settleGroup', stats, 'queue.settleGroup');
  meter(engine.runner, 'launchMany', stats, 'runner.launchMany (a pass: created → starting)');
  meter(engine.backends.local, 'launch', stats, 'backend.launch (launcher round trip)');
  meter(engine.store.experiments, 'get', stats, 'experiments.get (full row for events)');
  // The rows the queue passes read to find pending experiments (whichever store method the queue uses).
  let pendingRowsRead = 0;
  const store = engine.store.experiments as unknown as Record<string, AnyFn>;
  for (const name of ['rowsWithStatus', 'pendingIn']) {
    if (typeof store[name] !== 'function') continue;
    meter(store, name, stats, `experiments.${name} (pending rows)`);
    const metered = store[name];
    store[name] = async function (this: unknown, ...args: unknown[]) {
      const rows = (await metered.apply(this, args)) as unknown[];
      pendingRowsRead += rows.length;
      return rows;
    };
  }
  // The followers: every poke (fs.watch event, 250 ms poll, finish) and every drain (open + stat + read).
  const proto = LogFollower.prototype as unknown as Record<string, AnyFn>;
  const origPoke = proto.poke;
  const origDrain = proto.drain;
  const fstats = new Map<string, { n: number; ms: number; max: number }>();
  meter(proto, 'poke', fstats, 'follower.poke');
  meter(proto, 'drain', fstats, 'follower.drain');
  // Only groups.changed is listened to (as in the timed runs): the engine builds an event's payload only when
  // someone listens, so listening to experiments.changed here would add work the timed runs do not do.
  const events = new Map<string, number>();
  engine.on('groups.changed', () => events.set('groups.changed', (events.get('groups.changed') ?? 0) + 1));

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  const elu0 = performance.eventLoopUtilization();
  const t0 = nowMs();
  let wallMs: number;
  try {
    await groupEnd(engine, await createGroup(engine, groupText(n), project));
    wallMs = nowMs() - t0;
  } finally {
    proto.poke = origPoke;
    proto.drain = origDrain;
  }
  const elu = performance.eventLoopUtilization(elu0);
  const { profile } = (await session.post('Profiler.stop')) as unknown as {
    profile: { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };
  };
  session.disconnect();

  const history = await historyStats(engine);
  const spawnCall = await spawnCallMs(50);
  await be.close();

  // CPU profile: self time per function and per module.
  const dt = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const byCat = new Map<string, number>();
  const byFn = new Map<string, number>();
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node);
  for (const node of profile.nodes) {
    const ms = (node.hitCount ?? 0) * dt;
    if (!ms) continue;
    const { functionName, url } = node.callFrame;
    let cat = category(url, functionName);
    if (cat === '(native)') {
      // A native function (spawn, the sqlite3 addon's calls, fs bindings) counts for the JS that called it.
      // V8 names the sqlite3 addon's methods after one of its classes ("Backup"), hence the caller's module.
      let p = parent.get(node.id);
      while (p && !p.callFrame.url) p = parent.get(p.id);
      cat = `${p ? category(p.callFrame.url, p.callFrame.functionName) : '?'} (native)`;
    }
    byCat.set(cat, (byCat.get(cat) ?? 0) + ms);
    const key = `${functionName || '(anonymous)'}  ${cat}`;
    byFn.set(key, (byFn.get(key) ?? 0) + ms);
  }
  const total = (profile.endTime - profile.startTime) / 1000;
  return {
    wallMs,
    elu: elu.utilization,
    spawnCall,
    stats: Object.fromEntries([...stats, ...fstats]),
    pendingRowsRead,
    events: Object.fromEntries(events),
    ...history,
    profileMs: total,
    byCat: [...byCat].sort((a, b) => b[1] - a[1]),
    byFn: [...byFn].sort((a, b) => b[1] - a[1]),
  };
}

export async function runOverhead(o: OverheadOptions): Promise<void> {
  const t0 = nowMs();
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'axon-hpo-noop-'));
  log(`overhead: ${N} × true, concurrency ${P}, ${o.reps} repetitions, alternating engine and xargs`);
  // Warm-up: Node's module cache, the disk cache for bash.
  await xargsPlain(50);
  await engineRun(50, project);
  const engine: Array<Timed & { active: number }> = [];
  const xargs: Timed[] = [];
  const alone: Timed[] = [];
  for (let r = 0; r < o.reps; r++) {
    xargs.push(await xargsPlain(N));
    alone.push(await launcherAlone(N));
    const run = await engineRun(N, project);
    engine.push({ ...run, active: run.history.meanActive });
    log(
      `rep ${r + 1}: engine ${fmtS(run.ms)} (mean active ${run.history.meanActive.toFixed(1)}), xargs ${fmtS(xargs[r].ms)}, launcher alone ${fmtS(alone[r].ms)} (load ${os.loadavg()[0].toFixed(2)})`,
    );
  }
  const e = median(engine.map((t) => t.ms));
  const x = median(xargs.map((t) => t.ms));
  const row = (what: string, runs: Timed[], extra = '') => {
    const ms = median(runs.map((t) => t.ms));
    return [
      what,
      fmtS(ms),
      `${(ms / N).toFixed(2)} ms`,
      `${(ms / x).toFixed(2)}×`,
      `${((median(runs.map((t) => t.cpuS)) * 1000) / N).toFixed(2)} ms`,
      extra,
    ];
  };
  printTable(
    `Orchestration overhead: ${N} × \`true\`, ${P} at a time (median of ${o.reps})`,
    ['measure', 'wall time', 'per trial', 'ratio to xargs', 'machine CPU per trial', 'mean active'],
    [
      row('engine: runs.create → group done', engine, median(engine.map((t) => t.active)).toFixed(1)),
      row('xargs -P 8 bash -c true (baseline)', xargs),
      row("the engine's local launcher alone (no store, no logs followed)", alone),
    ],
  );
  printTable(
    'Goal',
    ['measure', 'value', 'goal', 'met'],
    [
      [
        'engine ÷ xargs, 1,000 × true at concurrency 8',
        `${(e / x).toFixed(2)}×`,
        '≤ 1.3×',
        e / x <= 1.3 ? 'yes' : 'NO',
      ],
    ],
  );

  log('profiling one more engine run (instrumented, CPU profiler on: slower than the timed runs)');
  const prof = await profiledRun(N, project);
  printTable(
    `Where the engine's time goes (one instrumented run: ${fmtS(prof.wallMs)}, event loop busy ${(prof.elu * 100).toFixed(0)}% of it, mean active experiments ${prof.meanActive.toFixed(1)} of ${P})`,
    ['phase per experiment (status history)', 'median', 'p90'],
    Object.entries(prof.phases).map(([k, v]) => [
      k,
      `${median(v).toFixed(1)} ms`,
      `${quantile(v, 0.9).toFixed(1)} ms`,
    ]),
  );
  printTable(
    'Calls during the run (latency = call to settle, overlapping)',
    ['what', 'calls', 'per trial', 'total latency', 'mean', 'max'],
    Object.entries(prof.stats).map(([k, s]) => [
      k,
      s.n,
      (s.n / N).toFixed(1),
      fmtS(s.ms),
      `${(s.ms / Math.max(1, s.n)).toFixed(2)} ms`,
      `${s.max.toFixed(1)} ms`,
    ]),
  );
  process.stdout.write(
    `  a direct spawn() would block the engine's thread ${prof.spawnCall.medianMs.toFixed(2)} ms per job (median of 50, measured after the run in the same process, RSS ${prof.spawnCall.rssMiB} MiB); the local launcher avoids it\n`,
  );
  process.stdout.write(
    `  pending rows read by the queue passes: ${prof.pendingRowsRead.toLocaleString('en-US')} (${(prof.pendingRowsRead / N).toFixed(0)} per trial); events: ${Object.entries(
      prof.events,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}\n`,
  );
  const busy = prof.byCat.filter(([k]) => k !== '(idle)').reduce((s, [, v]) => s + v, 0);
  printTable(
    `CPU profile of the engine's thread by module (self time; ${fmtS(busy)} busy of ${fmtS(prof.profileMs)})`,
    ['module', 'self time', '% of busy', 'per trial'],
    prof.byCat
      .filter(([k]) => k !== '(idle)')
      .slice(0, 15)
      .map(([k, v]) => [
        k,
        `${v.toFixed(0)} ms`,
        `${((v / busy) * 100).toFixed(1)}%`,
        `${(v / N).toFixed(2)} ms`,
      ]),
  );
  printTable(
    'Top functions by self time',
    ['function  module', 'self time', '% of busy'],
    prof.byFn
      .filter(([k]) => !k.startsWith('(idle)'))
      .slice(0, 15)
      .map(([k, v]) => [k, `${v.toFixed(0)} ms`, `${((v / busy) * 100).toFixed(1)}%`]),
  );
  const notes = [
    `Engine runs use a fresh AXON_HOME each (engine start not timed); the timer starts before runs.create and stops at the groups.changed event that says done.`,
    `Machine CPU is every process's CPU time during the run (/proc/stat), the engine's jobs and the kernel included: with 2 CPUs, wall time cannot fall below half of it.`,
    `The launcher alone runs the same jobs as the engine's local backend does (a wrapper subshell per job: pid, log and exit files, the job's environment, then bash -c), with nothing else of the engine: the floor of that job model.`,
    `The folders the runs wrote are removed after the last run (${leftovers.length} of them): ext4 allocates inodes slowly for a while after many deletions.`,
    `Total ${fmtS(nowMs() - t0)}; load average at the end ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} CPUs.`,
  ];
  for (const n of notes) process.stdout.write(`  - ${n}\n`);
  fs.rmSync(project, { recursive: true, force: true });
  for (const d of leftovers.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  writeResult('overhead', {
    params: { trials: N, concurrency: P, reps: o.reps },
    figures: {
      engineMs: engine.map((t) => t.ms),
      engineCpuS: engine.map((t) => t.cpuS),
      engineMeanActive: engine.map((t) => t.active),
      xargsMs: xargs.map((t) => t.ms),
      xargsCpuS: xargs.map((t) => t.cpuS),
      launcherAloneMs: alone.map((t) => t.ms),
      launcherAloneCpuS: alone.map((t) => t.cpuS),
      ratio: e / x,
      goal: 1.3,
      met: e / x <= 1.3,
    },
    profile: {
      wallMs: prof.wallMs,
      eventLoopUtilization: prof.elu,
      spawnCall: prof.spawnCall,
      meanActive: prof.meanActive,
      maxActive: prof.maxActive,
      calls: prof.stats,
      pendingRowsRead: prof.pendingRowsRead,
      events: prof.events,
      phases: Object.fromEntries(
        Object.entries(prof.phases).map(([k, v]) => [k, { median: median(v), p90: quantile(v, 0.9) }]),
      ),
      cpuByModuleMs: Object.fromEntries(prof.byCat),
      topFunctionsMs: Object.fromEntries(prof.byFn.slice(0, 40)),
    },
    notes,
  });
}
