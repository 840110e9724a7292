// Against the real Docker engine: what a container prints reaches the run's log whole (lines over Docker's
// 16 KiB message size, a last line without a newline), and a container is never removed before its ending is
// recorded, even when the engine that started it closed while it ran (the CLI's `--detach` without a serving
// engine). Skips without Docker, saying why; fails naming it under CI=true (test/requirements.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { homeId } from '../../main/engine/backends/docker/docker-backend';
import { ROOT, tmpDir, waitFor } from '../helpers';
import { need, skipOrFail } from '../requirements';
import {
  BUSYBOX_IMAGE,
  docker as dockerClient,
  dockerAvailable,
  endOf,
  project,
  run,
  startDocker,
  removeTestImages,
} from './helpers';

const noDocker = await dockerAvailable();
const docker = dockerClient();
const skip = skipOrFail(noDocker);

// The images built for this file's projects are removed at its end (they would pile up run after run).
after(() => removeTestImages());

before(async () => {
  if (noDocker) return;
  const has = await docker
    .getImage(BUSYBOX_IMAGE)
    .inspect()
    .catch(() => null);
  if (!has)
    execFileSync('bash', [path.join(ROOT, 'test/docker/build-images.sh'), '--only', 'busybox'], {
      stdio: 'inherit',
    });
});

test(
  'a 40 KiB line and a 20 KiB @@axon line come back whole; the last line without a newline is kept',
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const engine = await Engine.start({ home: tmpDir() });
    try {
      // Docker cuts lines at 16 KiB into messages with a timestamp each: the test's lines span 3 and 2 of them,
      // on stdout, with a stderr line printed between the pieces' writes.
      const x = await run(
        engine,
        project([
          'kind: experiment',
          `build: {image: "${BUSYBOX_IMAGE}"}`,
          'run:',
          `  cmd: >-
            big=$(head -c 40000 /dev/zero | tr '\\0' a);
            note=$(head -c 20000 /dev/zero | tr '\\0' n);
            echo "start"; echo "$big"; echo "to stderr" >&2;
            echo "@@axon {\\"params\\":{\\"note\\":\\"$note\\"}}";
            echo "@@axon {\\"metrics\\":{\\"m\\":3},\\"step\\":1}";
            printf 'the end without a newline'`,
        ]),
      );
      assert.equal(x.status, 'succeeded', `${x.statusReason} ${x.statusMessage}`);
      const lines = (await engine.call('experiments.logs', { id: x.id })).text.split('\n');
      const big = lines.filter((l) => l.startsWith('aaaa'));
      assert.equal(big.length, 1, 'the long line is one line');
      assert.equal(big[0], 'a'.repeat(40000), 'the long line has no timestamp spliced in');
      assert.ok(lines.includes('to stderr'), 'the stderr line is its own line');
      assert.equal(x.params.note, 'n'.repeat(20000), 'the 20 KiB protocol line parsed');
      assert.equal(x.lastMetrics.m, 3);
      assert.ok(lines.includes('the end without a newline'), `the last line is kept: ${lines.slice(-3)}`);
    } finally {
      await engine.close();
    }
  },
);

test(
  'an engine that closes while its container runs leaves the container; the next engine records its ending and only then removes it',
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const home = tmpDir();
    const containers = () =>
      docker.listContainers({ all: true, filters: { label: [`axon.home=${homeId(home)}`] } });
    let engine = await Engine.start({ home });
    let id: number;
    try {
      id = await startDocker(
        engine,
        project([
          'kind: experiment',
          `build: {image: "${BUSYBOX_IMAGE}"}`,
          'run:',
          "  cmd: echo first; sleep 2; echo last; printf 'tail'",
        ]),
      );
      await waitFor(
        async () => (await engine.call('experiments.get', { id })).status === 'running',
        120_000,
        'the run to start',
      );
    } finally {
      // As `axon run --detach` without a serving engine does: the engine closes while the job runs.
      await engine.close();
    }
    const [c] = await containers();
    assert.ok(c, 'the container exists');
    await waitFor(
      async () => ((await docker.getContainer(c.Id).inspect()).State.Running ? null : true),
      60_000,
      'the container to exit',
    );
    assert.equal((await containers()).length, 1, 'an ending nobody recorded keeps its container');
    engine = await Engine.start({ home });
    try {
      const x = await endOf(engine, id!, 60_000);
      assert.equal(x.status, 'succeeded', `${x.statusReason}`);
      const log = (await engine.call('experiments.logs', { id: id! })).text;
      assert.match(log, /^first\nlast\ntail\n/m, log);
      await waitFor(async () => (await containers()).length === 0, 30_000, 'the recorded container to go');
    } finally {
      await engine.close();
    }
  },
);

test(
  'output is read through an attach made before the start; an engine closing mid-run hands over with every stdout and stderr line once',
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const home = tmpDir();
    let engine = await Engine.start({ home });
    let id: number;
    try {
      // 300 lines on each stream, interleaved, then a pause in which the engine closes, then 300 more each.
      id = await startDocker(
        engine,
        project([
          'kind: experiment',
          `build: {image: "${BUSYBOX_IMAGE}"}`,
          'run:',
          '  cmd: >-',
          '    for i in $(seq 1 300); do echo out$i; echo err$i >&2; done; echo paused; sleep 3;',
          '    for i in $(seq 301 600); do echo out$i; echo err$i >&2; done',
        ]),
      );
      await waitFor(
        async () => /paused/.test((await engine.call('experiments.logs', { id })).text),
        120_000,
        'the first half of the output',
      );
    } finally {
      await engine.close();
    }
    // The first engine copied through the attach stream: its cursor counts lines per stream (no timestamps).
    const cursor = JSON.parse(
      fs.readFileSync(path.join(home, 'runs', String(id!), 'logs', 'master-0.log.cursor'), 'utf8'),
    ) as { ts: string | null; streams?: Record<string, number> };
    assert.equal(cursor.ts, null);
    assert.ok(
      (cursor.streams?.['1'] ?? 0) >= 301 && (cursor.streams?.['2'] ?? 0) >= 300,
      JSON.stringify(cursor),
    );
    engine = await Engine.start({ home });
    try {
      const x = await endOf(engine, id!, 60_000);
      assert.equal(x.status, 'succeeded', `${x.statusReason}`);
      const lines = (await engine.call('experiments.logs', { id: id! })).text.split('\n');
      for (let i = 1; i <= 600; i++)
        for (const l of [`out${i}`, `err${i}`])
          assert.equal(lines.filter((x) => x === l).length, 1, `${l} once in the log`);
      // Each stream's order is kept.
      const outs = lines.filter((l) => /^out\d+$/.test(l)).map((l) => Number(l.slice(3)));
      assert.deepEqual(
        outs,
        [...outs].sort((a, b) => a - b),
      );
    } finally {
      await engine.close();
    }
  },
);

test(
  'a failed build: the reason names the step and its exit code, in plain text (no colour escapes)',
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const engine = await Engine.start({ home: tmpDir() });
    try {
      const x = await run(
        engine,
        project([
          'kind: experiment',
          'build:',
          `  image: ${BUSYBOX_IMAGE}`,
          `  build_steps: ["printf '\\\\033[31mcoloured failure\\\\033[0m\\\\n'; exit 3"]`,
          'run:',
          '  cmd: echo never',
        ]),
      );
      assert.equal(x.status, 'failed');
      assert.match(x.statusReason ?? '', /^build failed at RUN .* \(exit code 3\)$/);
      const ESC = String.fromCharCode(27);
      assert.ok(
        !`${x.statusReason}${x.statusMessage}`.includes(ESC),
        'no ANSI escape in the reason or message',
      );
      assert.match(x.statusMessage ?? '', /coloured failure/);
    } finally {
      await engine.close();
    }
  },
);
