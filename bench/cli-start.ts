// How fast the command line answers. Bare `node -e 0` is the baseline, measured interleaved in the same run;
// `axon --version` (answered by bin/axon.mjs from package.json), `axon --help` (the whole CLI loaded, no
// engine), and `axon ps` against a serving engine (`axon serve` on a temporary AXON_HOME with 200 experiments'
// worth of nothing: the list call itself takes ~3 ms) go through bin/axon.mjs and the esbuild bundle, as a user
// runs them. 15 rounds after 2 warm-ups, medians. Goals (issue #11): --version within 0.1 s of bare Node;
// `axon ps` against a serving engine within 0.2 s.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { log, median, nowMs, report, ROOT, tmpDir, removeDir } from './lib';
import { startServe } from '../test/helpers';

const BIN = path.join(ROOT, 'bin', 'axon.mjs');
const ROUNDS = 15;

function timed(args: string[], env: NodeJS.ProcessEnv): number {
  const t = nowMs();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return nowMs() - t;
}

export async function run() {
  log('building the CLI bundle (npm run build:cli)');
  execFileSync(process.execPath, [path.join(ROOT, 'main/cli/build.mjs')], { stdio: 'inherit' });
  const home = tmpDir('axon-bench-cli-');
  const env = { ...process.env, AXON_HOME: home, AXON_QUIET: '1' };
  const served = await startServe(home);
  const cases: Record<string, string[]> = {
    'node -e 0': ['-e', '0'],
    'axon --version': [BIN, '--version'],
    'axon --help': [BIN, '--help'],
    'axon ps (serving engine)': [BIN, 'ps'],
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  try {
    for (let round = -2; round < ROUNDS; round++)
      for (const [name, args] of Object.entries(cases)) {
        const ms = timed(args, env);
        if (round >= 0) times[name].push(ms);
      }
  } finally {
    await served.stop();
    removeDir(home);
  }
  const node = median(times['node -e 0']);
  const fig = (what: string, goalMs?: number) => {
    const v = median(times[what]);
    return {
      what: `${what}, median of ${ROUNDS}`,
      value: v,
      unit: 'ms',
      baseline: { what: 'node -e 0', value: node },
      ratio: v / node,
      ...(goalMs === undefined
        ? {}
        : {
            goal: `≤ node + ${goalMs} ms`,
            met: v - node <= goalMs,
            ratioNote: `+${Math.round(v - node)} ms`,
          }),
    };
  };
  return report({
    name: 'cli-start',
    params: { rounds: ROUNDS },
    figures: [
      fig('axon --version', 100),
      fig('axon --help'),
      {
        ...fig('axon ps (serving engine)'),
        goal: '≤ 200 ms',
        met: median(times['axon ps (serving engine)']) <= 200,
      },
    ],
    notes: [
      'bin/axon.mjs checks that the bundle is newer than every source file (a walk of main/ and shared/) before using it.',
      'The CLI exits once its command is done instead of waiting for fetch to close its connection to the engine.',
    ],
  });
}
