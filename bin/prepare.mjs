#!/usr/bin/env node
// Run by `npm ci` / `npm install` (package.json "prepare"), so that a fresh clone works at once:
//  - the CLI bundle, dist/cli/axon.mjs (main/cli/build.mjs; bin/axon.mjs falls back to the sources when it is
//    stale or missing);
//  - the dashboard, dist/renderer (Vite, renderer/vite.config.ts), which `axon serve` serves at `/` and the
//    desktop app loads. Without it `axon serve` answers 503 "The Axon UI is not built". It takes about 2 s.
// A failed build fails the install. Where Vite is not installed (an install without devDependencies) the
// dashboard is left unbuilt and this says so; `npm run build:renderer` builds it later.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

await import('../main/cli/build.mjs');

let vite;
try {
  vite = await import('vite');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  console.warn(
    'axon: Vite is not installed (devDependencies omitted?), so the dashboard was not built: ' +
      '`axon serve` will answer "The Axon UI is not built" until `npm run build:renderer` is run.',
  );
}
if (vite) {
  const t0 = performance.now();
  await vite.build({ configFile: path.join(root, 'renderer/vite.config.ts'), logLevel: 'warn' });
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`axon: the dashboard is built in dist/renderer (${s} s)`);
}
