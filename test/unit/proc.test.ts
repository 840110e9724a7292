// /proc sampling against real processes, each started in its own process group as the local backend does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import {
  ProcessGroupSampler,
  clockTicks,
  machineResources,
  pageBytes,
  parseProcStat,
  readGroupTotals,
} from '../../main/engine/monitor/proc';

const linux = process.platform === 'linux';
const skip = linux ? false : '/proc is Linux only';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `cmd args` as the leader of a new process group; returns its pgid and a killer for the group. */
function group(cmd: string, args: string[]) {
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
  const pgid = child.pid!;
  const kill = () => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return { pgid, kill };
}

test('machineResources: CPU count and memory from the os module', () => {
  const m = machineResources();
  assert.ok(
    m.cpuCount >= 1 && m.cpuCount <= os.cpus().length,
    'm.cpuCount >= 1 && m.cpuCount <= os.cpus().length',
  );
  assert.equal(m.totalMemoryBytes, os.totalmem());
  assert.ok(
    m.freeMemoryBytes > 0 && m.freeMemoryBytes <= m.totalMemoryBytes,
    'm.freeMemoryBytes > 0 && m.freeMemoryBytes <= m.totalMemoryBytes',
  );
});

test('clockTicks and pageBytes come from getconf', { skip }, () => {
  assert.equal(clockTicks(), Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })));
  assert.equal(pageBytes(), Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' })));
});

test('parseProcStat: a command name with spaces and parentheses', () => {
  // Fields: pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  //         utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss ...
  const line =
    '4242 (my (odd) job) R 1 4240 4240 0 -1 4194560 100 0 0 0 150 25 7 3 20 0 1 0 123456 10485760 2560 ' +
    '18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n';
  assert.deepEqual(parseProcStat(line), {
    pid: 4242,
    state: 'R',
    pgrp: 4240,
    cpuTicks: 150 + 25 + 7 + 3,
    rssPages: 2560,
  });
  assert.equal(parseProcStat('garbage'), null);
  assert.equal(parseProcStat('1 (x) S 0'), null);
});

test('parseProcStat reads this process from /proc', { skip }, () => {
  const st = parseProcStat(fs.readFileSync('/proc/self/stat', 'utf8'));
  assert.equal(st?.pid, process.pid);
  assert.equal(st?.state, 'R');
  assert.ok((st?.rssPages ?? 0) > 0, '(st?.rssPages ?? 0) > 0');
});

/** Command names of the live members of a process group, from /proc. */
function members(pgid: number): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const st = parseProcStat(fs.readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (st?.pgrp === pgid && st.state !== 'Z')
        out.push(fs.readFileSync(`/proc/${name}/comm`, 'utf8').trim());
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU time the kernel's scheduler gave a process, in seconds (/proc/PID/schedstat, field 1, ns). */
function schedSeconds(pid: number): number {
  return Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
}

test('a busy process in its own group shows > 50% CPU over about a second', { skip }, async (t) => {
  const g = group(process.execPath, ['-e', 'while (true) {}']);
  t.after(g.kill);
  const sampler = new ProcessGroupSampler();
  await sleep(100);
  const [first] = sampler.sample([g.pgid]);
  const sched0 = schedSeconds(g.pgid);
  const t0 = performance.now();
  assert.equal(first.cpuPercent, null, 'the first sample has nothing to compare with');
  assert.equal(first.processes, 1);
  await sleep(1000);
  const [second] = sampler.sample([g.pgid]);
  // The scheduler's own account of the same interval, from another file and clock.
  const schedPercent = ((schedSeconds(g.pgid) - sched0) / ((performance.now() - t0) / 1000)) * 100;
  const cpu = second.cpuPercent!;
  t.diagnostic(
    `sampler ${cpu.toFixed(1)}% CPU, scheduler ${schedPercent.toFixed(1)}%, load ${os.loadavg()[0]}`,
  );
  assert.ok(Math.abs(cpu - schedPercent) < 15, `sampler ${cpu}% vs scheduler ${schedPercent}%`);
  // A busy loop gets most of a CPU, unless other work on this machine left it less (the scheduler says so).
  if (schedPercent >= 60) assert.ok(cpu > 50, `busy loop: ${cpu}% CPU`);
  else t.diagnostic(`machine busy: the loop got only ${schedPercent.toFixed(1)}% of a CPU`);
  assert.ok(cpu < 100 * os.cpus().length + 10, `at most every CPU: ${cpu}%`);
  assert.ok(second.rssBytes > 10 * 1024 * 1024, `node holds some memory: ${second.rssBytes} bytes`);
});

test('a sleeping process group shows about 0% CPU', { skip }, async (t) => {
  const g = group('sleep', ['30']);
  t.after(g.kill);
  const sampler = new ProcessGroupSampler();
  await sleep(100);
  sampler.sample([g.pgid]);
  await sleep(1000);
  const [s] = sampler.sample([g.pgid]);
  assert.ok(s.cpuPercent !== null && s.cpuPercent < 5, `sleep: ${s.cpuPercent}% CPU`);
  assert.ok(s.rssBytes > 0, 's.rssBytes > 0');
  assert.equal(s.processes, 1);
});

test(
  'the whole group is summed, and a child that exits keeps its CPU time in the total',
  { skip },
  async (t) => {
    // sh (the leader) waits a moment, runs a node child that burns 0.5 s of CPU (by its own clock, so the
    // machine's load does not matter), then sleeps. Once node has exited, its ticks live on in sh's cutime.
    const burn = `sleep 0.3; "${process.execPath}" -e "while (process.cpuUsage().user < 500000) {}"; sleep 30`;
    const g = group('/bin/sh', ['-c', burn]);
    t.after(g.kill);
    await sleep(50);
    const before = readGroupTotals([g.pgid]).get(g.pgid)!.cpuTicks;
    const sampler = new ProcessGroupSampler();
    sampler.sample([g.pgid]);
    const deadline = Date.now() + 20_000;
    let names = members(g.pgid);
    while (Date.now() < deadline && !names.includes('node')) {
      await sleep(20);
      names = members(g.pgid);
    }
    assert.deepEqual(names.sort(), ['node', 'sh']);
    assert.equal(readGroupTotals([g.pgid]).get(g.pgid)?.processes, 2);
    // Wait for node to finish: the group is then sh + sleep.
    while (Date.now() < deadline && (names.includes('node') || !names.includes('sleep'))) {
      await sleep(50);
      names = members(g.pgid);
    }
    assert.deepEqual(names.sort(), ['sh', 'sleep']);
    const after = readGroupTotals([g.pgid]).get(g.pgid)!;
    assert.ok(
      after.cpuTicks - before >= 0.5 * clockTicks(),
      `the exited child's CPU stays counted: ${after.cpuTicks - before} ticks`,
    );
    const [s] = sampler.sample([g.pgid]);
    assert.ok(s.cpuPercent! > 1, `${s.cpuPercent}% CPU over the interval`);
    // A group that has ended is left out, even while its killed members wait as zombies to be reaped.
    g.kill();
    const until = Date.now() + 5000;
    while (Date.now() < until && members(g.pgid).length > 0) await sleep(50);
    assert.deepEqual(sampler.sample([g.pgid]), []);
  },
);

test('readGroupTotals without a filter sees this process group', { skip }, () => {
  const all = readGroupTotals();
  const mine = parseProcStat(fs.readFileSync('/proc/self/stat', 'utf8'))!.pgrp;
  assert.ok(all.get(mine)!.processes >= 1, 'all.get(mine)!.processes >= 1');
  assert.deepEqual(readGroupTotals([mine], '/nonexistent'), new Map());
});
