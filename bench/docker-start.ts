// Docker start latency: `runs.create` with --backend docker of an existing image to the first line of the
// job's own output, against `docker run --rm IMAGE echo` with the docker CLI to the first line on its stdout
// (the same end point on both sides), in the same run. Goal: ratio ≤ 1.1.
// The image's build is a cache hit (measured separately by docker-rebuild).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../main/engine/engine';
import { ROOT, log, median, nowMs, percentile, report, tmpDir, type BenchResult } from './lib';

const IMAGE = 'axon-test/busybox:1';
const RUNS = Number(process.env.AXON_BENCH_DOCKER_RUNS ?? 10);

export async function run(): Promise<BenchResult | null> {
  if (spawnSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' }).status !== 0) {
    log(`docker-start: ${IMAGE} is missing; building it with test/docker/build-images.sh --only busybox`);
    execFileSync('bash', [path.join(ROOT, 'test/docker/build-images.sh'), '--only', 'busybox'], {
      stdio: 'inherit',
    });
  }
  const code = tmpDir('axon-bench-docker-start-');
  const text = [
    'version: 1',
    'kind: experiment',
    `build: {image: "${IMAGE}"}`,
    'run:',
    '  cmd: echo first-line',
  ].join('\n');
  const engine = await Engine.start({ home: tmpDir('axon-bench-docker-home-') });
  const axon: number[] = [];
  const cli: number[] = [];
  try {
    for (let i = 0; i <= RUNS; i++) {
      const t0 = nowMs();
      const first = new Promise<void>((resolve) => {
        const off = engine.on('logs.appended', (c) => {
          if (c.text.includes('first-line')) {
            off();
            resolve();
          }
        });
      });
      const c = await engine.call('runs.create', {
        files: [{ name: 'p.yml', text }],
        params: {},
        codePath: code,
        backend: 'docker',
      });
      await first;
      const ms = nowMs() - t0;
      if (i > 0) axon.push(ms); // the first run builds the image (tag) once
      const id = c.kind === 'experiment' ? c.experiment.id : 0;
      while (!['succeeded', 'failed'].includes((await engine.call('experiments.get', { id })).status))
        await new Promise((r) => setTimeout(r, 50));
      // The same end point on both sides: the first line of the job's output reaches the caller (the CLI's
      // exit and container removal come after it and are not counted).
      const t1 = nowMs();
      const p = spawn('docker', ['run', '--rm', IMAGE, 'echo', 'first-line'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let seen = '';
      await new Promise<void>((resolve, reject) => {
        p.stdout.on('data', (d: Buffer) => {
          seen += d.toString();
          if (seen.includes('first-line')) resolve();
        });
        p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker run exited ${code}`))));
      });
      if (i > 0) cli.push(nowMs() - t1);
      await new Promise((r) => (p.exitCode === null ? p.once('exit', r) : r(null)));
    }
  } finally {
    await engine.close();
    fs.rmSync(code, { recursive: true, force: true });
  }
  const ratio = median(axon) / median(cli);
  return report({
    name: 'docker-start',
    params: { runs: RUNS, image: IMAGE },
    figures: [
      {
        what: 'axon (docker backend): runs.create → first output line, median',
        value: median(axon),
        unit: 'ms',
        baseline: {
          what: 'docker run --rm IMAGE echo (CLI) → first output line, median',
          value: median(cli),
        },
        ratio,
        goal: 'ratio ≤ 1.1',
        met: ratio <= 1.1,
      },
      {
        what: 'axon p90',
        value: percentile(axon, 90),
        unit: 'ms',
        baseline: { what: 'docker CLI p90', value: percentile(cli, 90) },
      },
    ],
    notes: [
      'Axon creates the container with labels, mounts and the job environment, starts it, follows its log with',
      'timestamps and copies it into the run log; the CLI figure includes the docker CLI process start-up.',
    ],
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
