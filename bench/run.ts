// `npm run bench [-- name...]`: runs the benchmarks (all, or those whose name contains an argument), one after
// the other. Each prints its table and writes bench/results/<name>.json; one failing does not stop the others.
import type { BenchResult } from './lib';

const BENCHMARKS: Record<string, () => Promise<{ run(): Promise<BenchResult | null> }>> = {
  launch: () => import('./launch'),
  ingest: () => import('./ingest'),
  memory: () => import('./memory'),
  mlflow: () => import('./mlflow'),
  'docker-rebuild': () => import('./docker-rebuild'),
  'docker-start': () => import('./docker-start'),
  'docker-log-copy': () => import('./docker-log-copy'),
  'cli-start': () => import('./cli-start'),
};

const filters = process.argv.slice(2).filter((a) => a !== '--');
const chosen = Object.keys(BENCHMARKS).filter((n) => !filters.length || filters.some((f) => n.includes(f)));
if (!chosen.length) {
  process.stderr.write(
    `no benchmark matches ${filters.join(', ')}; there are: ${Object.keys(BENCHMARKS).join(', ')}\n`,
  );
  process.exit(2);
}

let failed = 0;
for (const name of chosen) {
  try {
    const mod = await BENCHMARKS[name]();
    await mod.run();
  } catch (e) {
    failed++;
    process.stderr.write(
      `\n[bench] ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
  }
}
process.exit(failed ? 1 : 0);
