// The HPO benchmarks (see bench/hpo/README.md):
//
//   node --import tsx bench/hpo/run.ts [quality|fidelity|overhead ...] [--seeds N] [--quick]
//        [--parallel P] [--fns branin,hartmann6,rosenbrock2] [--algos random,grid,tpe,bo] [--trials N]
//        [--reps N] [--tag T]
//
// No mode runs all three. Each prints its tables and writes bench/results/hpo-<mode>.json.
import { AXON_ALGOS, runQuality, type AxonAlgo } from './quality';
import { runFidelity } from './fidelity';
import { runOverhead } from './overhead';
import { fmtS, log, nowMs, setResultTag } from './common';

const MODES = ['quality', 'fidelity', 'overhead'] as const;
type Mode = (typeof MODES)[number];

function parseArgs(argv: string[]) {
  const modes: Mode[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') continue;
    if (a === '--quick') flags.set('quick', '1');
    else if (a.startsWith('--')) {
      const [k, inline] = a.slice(2).split('=', 2);
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`--${k} needs a value`);
      flags.set(k, v);
    } else if ((MODES as readonly string[]).includes(a)) modes.push(a as Mode);
    else throw new Error(`unknown mode "${a}": one of ${MODES.join(', ')}`);
  }
  const known = new Set(['quick', 'seeds', 'parallel', 'fns', 'algos', 'trials', 'reps', 'tag']);
  for (const k of flags.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}`);
  const int = (k: string, dflt: number) => {
    const v = flags.get(k);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${k} takes a positive integer, not ${v}`);
    return n;
  };
  for (const k of ['seeds', 'parallel', 'trials', 'reps']) int(k, 1); // usage errors before anything runs
  const list = (k: string) => flags.get(k)?.split(',').filter(Boolean);
  const quick = flags.has('quick');
  return { modes: modes.length ? modes : [...MODES], quick, int, list, tag: flags.get('tag') ?? '' };
}

const args = (() => {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
})();

setResultTag(args.tag);
// The engine's own diagnostics are not part of the tables.
process.env.AXON_QUIET ??= '1';

const FNS = ['branin', 'hartmann6', 'rosenbrock2'];
let failed = 0;
for (const mode of args.modes) {
  const t0 = nowMs();
  try {
    if (mode === 'quality') {
      const algos = (args.list('algos') ?? [...AXON_ALGOS]) as AxonAlgo[];
      for (const a of algos)
        if (!(AXON_ALGOS as readonly string[]).includes(a)) throw new Error(`unknown algo ${a}`);
      const fns = args.list('fns') ?? FNS;
      for (const f of fns) if (!FNS.includes(f)) throw new Error(`unknown function ${f}`);
      await runQuality({
        seeds: args.int('seeds', args.quick ? 3 : 10),
        trials: args.int('trials', 100),
        parallel: args.int('parallel', 6),
        fns,
        algos,
      });
    } else if (mode === 'fidelity') {
      const fns = args.list('fns') ?? ['branin', 'hartmann6'];
      for (const f of fns) if (!FNS.includes(f)) throw new Error(`unknown function ${f}`);
      await runFidelity({
        seeds: args.int('seeds', args.quick ? 3 : 10),
        parallel: args.int('parallel', 6),
        fns,
        quick: args.quick,
      });
    } else {
      await runOverhead({ reps: args.int('reps', args.quick ? 1 : 3), quick: args.quick });
    }
    log(`${mode}: ${fmtS(nowMs() - t0)}`);
  } catch (e) {
    failed++;
    process.stderr.write(
      `\n[hpo] ${mode} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
  }
}
process.exit(failed ? 1 : 0);
