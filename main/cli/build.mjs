// Bundles the CLI (and the engine it runs in-process) into dist/cli/axon.mjs with esbuild, so `axon` starts
// in a fraction of the time the TypeScript loader takes. Run by `npm run build:cli` and at `npm ci`
// (prepare). bin/axon.mjs uses the bundle only while it is newer than every source file.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Code splitting: what only some commands need (the engine with its backends, dockerode, the Kubernetes
// client, the HTTP server) is in chunks loaded on first use, so `axon --version` and `axon ps` against a
// serving engine load little. BO's suggestion worker is an entry of its own beside the CLI
// (sweeps/searcher-thread.ts finds it there); chunks stay in the same folder for that reason.
await build({
  entryPoints: {
    axon: path.join(root, 'main/cli/index.ts'),
    'suggest-worker': path.join(root, 'main/engine/sweeps/suggest-worker.ts'),
  },
  outdir: path.join(root, 'dist/cli'),
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
