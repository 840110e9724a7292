// Bundles the CLI (and the engine it runs in-process) into dist/cli/axon.mjs with esbuild, so `axon` starts
// in a fraction of the time the TypeScript loader takes. Run by `npm run build:cli` and at `npm ci`
// (prepare). bin/axon.mjs uses the bundle only while it is newer than every source file.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
await build({
  entryPoints: [path.join(root, 'main/cli/index.ts')],
  outfile: path.join(root, 'dist/cli/axon.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
