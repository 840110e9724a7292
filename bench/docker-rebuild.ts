// Rebuild of an unchanged project (the image cache hit): `buildImage` on a project of a few MB whose image
// exists, against the first build of that project measured in the same run (the baseline).
//   - first build: every layer new (a run id in an ENV makes the daemon's layer cache miss), context sent;
//   - rebuild, same process: the file digests are cached in memory (an engine that built before);
//   - rebuild, cold digests: the cache is cleared first, so every file is read and hashed again (an engine
//     that just started);
//   - after editing one file: a real build, but the daemon's layer cache serves everything before `COPY . /code`.
// Goal: the unchanged rebuild under 1 s. Needs a Docker engine; prints why and exits 0 without one.
// Run: `node --import tsx bench/docker-rebuild.ts` (AXON_BENCH_REBUILD_RUNS, AXON_BENCH_REBUILD_MB).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildImage } from '../main/engine/builder/build';
import { clearContextCache } from '../main/engine/builder/context';
import type { BuildSpec } from '../shared/polyaxonfile/types';
import { BUSYBOX_IMAGE, docker, dockerSkipReason, removeRepo } from '../test/docker/helpers';
import {
  log,
  median,
  nowMs,
  percentile,
  removeDir,
  report,
  tmpDir,
  type BenchResult,
  type Figure,
} from './lib';

const RUNS = Number(process.env.AXON_BENCH_REBUILD_RUNS ?? 20);
const PROJECT_MB = Number(process.env.AXON_BENCH_REBUILD_MB ?? 5);
const GOAL_MS = 1000;

/** A project of about `mb` MB: 300 small source files in a few packages, two data files, requirements. */
function makeProject(dir: string, mb: number): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const write = (rel: string, body: Buffer | string) => {
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, body);
    files++;
    bytes += Buffer.byteLength(body);
  };
  write('requirements.txt', 'numpy\nscikit-learn\n');
  write('train.py', 'import model\nprint("training")\n');
  for (let p = 0; p < 10; p++)
    for (let m = 0; m < 30; m++)
      write(`pkg${p}/mod${m}.py`, `# module ${p}.${m}\n` + 'def f(x):\n    return x * 2\n'.repeat(100));
  const rest = Math.max(0, mb * 1e6 - bytes);
  for (let i = 0; i < 2; i++) write(`assets/blob${i}.bin`, randomBytes(Math.floor(rest / 2)));
  return { files, bytes };
}

export async function run(): Promise<BenchResult | null> {
  const skip = await dockerSkipReason();
  if (skip) {
    log(`docker-rebuild skipped: ${skip}`);
    return null;
  }
  const d = docker();
  const dir = tmpDir('axon-bench-rebuild-');
  const repo = `axon-bench/rebuild-${process.pid}`;
  try {
    const shape = makeProject(dir, PROJECT_MB);
    const build: BuildSpec = {
      image: BUSYBOX_IMAGE,
      envVars: [['AXON_BENCH_RUN', `${process.pid}-${Date.now()}`]],
      buildSteps: ['echo built > /built.txt'],
      nocache: false,
    };
    const opts = { build, codeDir: dir, repo, networkMode: 'none', onOutput: () => undefined };

    log(`first build of a ${(shape.bytes / 1e6).toFixed(1)} MB, ${shape.files}-file project`);
    clearContextCache();
    let t0 = nowMs();
    const first = await buildImage(d, opts);
    const firstMs = nowMs() - t0;
    if (first.cached) throw new Error('the first build was a cache hit: the run id did not change the hash');

    const warm: number[] = [];
    const cold: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      t0 = nowMs();
      const r = await buildImage(d, opts);
      warm.push(nowMs() - t0);
      if (!r.cached || r.tag !== first.tag) throw new Error(`rebuild ${i} was not a cache hit`);
      clearContextCache();
      t0 = nowMs();
      const c = await buildImage(d, opts);
      cold.push(nowMs() - t0);
      if (!c.cached || c.tag !== first.tag) throw new Error(`cold rebuild ${i} was not a cache hit`);
    }

    log('editing one file, then building again (the daemon caches the layers before COPY . /code)');
    fs.appendFileSync(path.join(dir, 'train.py'), 'print("edited")\n');
    t0 = nowMs();
    const edited = await buildImage(d, opts);
    const editedMs = nowMs() - t0;
    if (edited.cached) throw new Error('an edited project was a cache hit');

    const baseline = { what: 'first build', value: firstMs };
    const fig = (what: string, xs: number[]): Figure => {
      const value = median(xs);
      return {
        what,
        value,
        unit: 'ms',
        baseline,
        ratio: value / firstMs,
        ratioNote: 'of the first build',
        goal: `< ${GOAL_MS} ms`,
        met: value < GOAL_MS,
      };
    };
    const figures: Figure[] = [
      { what: 'first build (no layer cached, context sent)', value: firstMs, unit: 'ms' },
      fig(`rebuild, unchanged, same process (median of ${RUNS})`, warm),
      { what: '  p95', value: percentile(warm, 95), unit: 'ms' },
      fig(`rebuild, unchanged, cold digest cache (median of ${RUNS})`, cold),
      { what: '  p95', value: percentile(cold, 95), unit: 'ms' },
      {
        what: 'build after editing one file (layer cache)',
        value: editedMs,
        unit: 'ms',
        baseline,
        ratio: editedMs / firstMs,
        ratioNote: 'of the first build',
      },
    ];
    return report({
      name: 'docker-rebuild',
      params: { runs: RUNS, projectMB: PROJECT_MB, files: first.info.files, bytes: first.info.bytes },
      figures,
      notes: [
        `Project: ${first.info.files} files, ${(first.info.bytes / 1e6).toFixed(1)} MB (${shape.files - 3} small sources, requirements.txt, 2 data files). Base image ${BUSYBOX_IMAGE} (FROM scratch + static busybox); one build step.`,
        'A rebuild of an unchanged project lists the context, hashes it (file digests cached in memory by path, inode, size, mtime and ctime; the cold figure clears that cache so every byte is read again), and asks the daemon for the tag (GET /images/<tag>/json): nothing is sent.',
        'The first build sends the context and runs every step (a run id in an ENV makes every layer new); the build after an edit runs only the steps after the COPY of the code.',
        'Builds use networkmode none (they need no network).',
      ],
    });
  } finally {
    await removeRepo(d, repo);
    removeDir(dir);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
