// Bundles the CLI (and the engine it runs in-process) into dist/cli/axon.mjs with esbuild, so `axon` starts
// in a fraction of the time the TypeScript loader takes. Run by `npm run build:cli` and at `npm ci`
// (prepare). bin/axon.mjs uses the bundle only while it is newer than every source file.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
};
await build({
  ...common,
  entryPoints: [path.join(root, 'main/cli/index.ts')],
  outfile: path.join(root, 'dist/cli/axon.mjs'),
});
// BO's suggestions run on a worker thread, which the bundle finds beside itself (sweeps/searcher-thread.ts).
await build({
  ...common,
  entryPoints: [path.join(root, 'main/engine/sweeps/suggest-worker.ts')],
  outfile: path.join(root, 'dist/cli/suggest-worker.mjs'),
});
