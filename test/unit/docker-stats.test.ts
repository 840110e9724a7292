// Docker stats objects recorded from this repository's CI machine (Docker 20.10.24, API 1.41, cgroup v1:
// a busybox container writing, reading, pinging and spinning one CPU; fetched twice with
// GET /containers/ID/stats?stream=false, then once after `docker stop`), plus two hand-made variants
// (cgroup v1 with block I/O rows and no online_cpus; cgroup v2). Expected numbers are worked out by hand
// from the fixture values in the comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  blockIo,
  containerResources,
  cpuPercent,
  memoryWithoutCache,
  type DockerStatsJson,
} from '../../main/engine/monitor/docker-stats';
import { ROOT } from '../helpers';

const fixture = (name: string): DockerStatsJson =>
  JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/docker-stats', name), 'utf8'));

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-6, `${actual} is not ${expected}`);

test('recorded cgroup v1 stats (first reading): the docker CLI numbers', () => {
  const r = containerResources(fixture('cgroup-v1-busybox-1.json'));
  // cpu: (2125823448 - 1789501103) / (6031430000000 - 6029420000000) × 2 online CPUs × 100
  //    = 336322345 / 2010000000 × 200 = 33.464910...
  close(r.cpuPercent, (336322345 / 2010000000) * 200);
  assert.equal(r.cpuPercent.toFixed(4), '33.4649');
  // memory: usage 72626176 - total_inactive_file 0 (the 48 MiB written to /tmp was read back, so it is
  // active_file; `cache` 50339840 is NOT taken off). `docker stats` printed 69.26MiB = 72626176 / 2^20.
  assert.equal(r.memoryBytes, 72626176);
  assert.equal((r.memoryBytes / 2 ** 20).toFixed(2), '69.26');
  assert.deepEqual(
    { ...r, cpuPercent: 0 },
    {
      cpuPercent: 0,
      memoryBytes: 72626176,
      memoryLimitBytes: 25276510208,
      netRxBytes: 1184, // `docker stats`: 1.18kB / 378B
      netTxBytes: 378,
      blockReadBytes: 0, // this VM's blkio controller reports no rows (`docker stats`: 0B / 0B)
      blockWriteBytes: 0,
      pids: 2,
    },
  );
});

test('recorded cgroup v1 stats (second reading, 3 s later)', () => {
  const r = containerResources(fixture('cgroup-v1-busybox-2.json'));
  // (3364218094 - 2658861596) / (6037760000000 - 6035750000000) × 2 × 100 = 705356498 / 2010000000 × 200
  close(r.cpuPercent, 70.1847261194);
  assert.equal(r.memoryBytes, 72626176);
  assert.equal(r.pids, 2);
});

test('recorded cgroup v1 stats: CPU percent between two separate readings', () => {
  const a = fixture('cgroup-v1-busybox-1.json');
  const b = fixture('cgroup-v1-busybox-2.json');
  // (3364218094 - 2125823448) / (6037760000000 - 6031430000000) × 2 × 100 = 1238394646 / 6330000000 × 200
  close(cpuPercent(a.cpu_stats, b.cpu_stats), 39.1277931122);
  // Backwards (or an unchanged reading) gives 0, never a negative percentage.
  assert.equal(cpuPercent(b.cpu_stats, a.cpu_stats), 0);
  assert.equal(cpuPercent(a.cpu_stats, a.cpu_stats), 0);
});

test('recorded stats of a stopped container: empty sections give zeros', () => {
  assert.deepEqual(containerResources(fixture('cgroup-v1-stopped.json')), {
    cpuPercent: 0,
    memoryBytes: 0,
    memoryLimitBytes: 0,
    netRxBytes: 0,
    netTxBytes: 0,
    blockReadBytes: 0,
    blockWriteBytes: 0,
    pids: 0,
  });
  assert.deepEqual(containerResources({}), containerResources(fixture('cgroup-v1-stopped.json')));
});

test('hand-made cgroup v1 stats: percpu length stands in for online_cpus; Read/Write rows only; all networks', () => {
  const r = containerResources(fixture('cgroup-v1-handmade-blkio.json'));
  assert.deepEqual(r, {
    // (9600000000 - 8000000000) / (7004000000000 - 7000000000000) × 4 (len percpu_usage) × 100
    cpuPercent: 160,
    // usage 104857600 - total_inactive_file 8388608 (cache 62914560 not used)
    memoryBytes: 96468992,
    memoryLimitBytes: 2147483648,
    netRxBytes: 5120 + 1000,
    netTxBytes: 2048 + 500,
    // Read 12582912 on 254:0 + 1048576 on 254:16; Sync/Async/Discard/Total rows ignored
    blockReadBytes: 13631488,
    blockWriteBytes: 4194304,
    pids: 7,
  });
});

test('hand-made cgroup v2 stats: inactive_file, lower-case io ops, online_cpus without percpu_usage', () => {
  const r = containerResources(fixture('cgroup-v2-handmade.json'));
  assert.deepEqual(r, {
    // (8250000000 - 7000000000) / (1000004000000000 - 1000000000000000) × 4 × 100
    cpuPercent: 125,
    // usage 73400320 - inactive_file 41943040
    memoryBytes: 31457280,
    memoryLimitBytes: 1073741824,
    netRxBytes: 900,
    netTxBytes: 300,
    blockReadBytes: 12582912 + 4096,
    blockWriteBytes: 6291456,
    pids: 5,
  });
});

test('memory: the CLI fall-through order, and `cache` only for daemons that send no inactive_file', () => {
  // v1 total_inactive_file not below usage: falls through to inactive_file, as the CLI does.
  assert.equal(
    memoryWithoutCache({ usage: 100, stats: { total_inactive_file: 100, inactive_file: 30 } }),
    70,
  );
  assert.equal(memoryWithoutCache({ usage: 100, stats: { total_inactive_file: 150 } }), 100);
  assert.equal(memoryWithoutCache({ usage: 100, stats: { inactive_file: 100 } }), 100);
  assert.equal(memoryWithoutCache({ usage: 100, stats: { cache: 40 } }), 60);
  assert.equal(memoryWithoutCache({ usage: 100, stats: { cache: 40, total_inactive_file: 10 } }), 90);
  assert.equal(memoryWithoutCache({ usage: 100 }), 100);
  assert.equal(memoryWithoutCache(undefined), 0);
});

test('block I/O: null rows, empty ops and unknown ops are skipped', () => {
  assert.deepEqual(blockIo({ io_service_bytes_recursive: null }), { read: 0, write: 0 });
  assert.deepEqual(
    blockIo({
      io_service_bytes_recursive: [
        { op: '', value: 5 },
        { op: 'Read', value: 1 },
        { op: 'write', value: 2 },
        { op: 'Total', value: 3 },
        { op: 'Discard', value: 4 },
      ],
    }),
    { read: 1, write: 2 },
  );
});
