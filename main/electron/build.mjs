#!/usr/bin/env node
// Bundles the Electron shell with esbuild (installed with tsx): main.ts → dist/electron/main.cjs (the engine,
// the HTTP server and every JS dependency inlined; `electron` and the native `sqlite3` left as require()s, and
// `@kubernetes/client-node` in kube.cjs beside it, required on first use) and
// suggest-worker.ts → dist/electron/suggest-worker.cjs (BO's worker thread), and
// preload.ts → dist/electron/preload.cjs (sandboxed preloads cannot require local files, so it must be one
// file; only `electron` stays external). CommonJS, because a sandboxed preload must be, and a CJS main needs
// none of the ESM start-up caveats (ready may fire before an ESM main's imports settle).
//
// The engine finds its own files (sdk/python, dist/renderer) from PACKAGE_ROOT (main/engine/package-root.ts).
// Here that module is replaced by main/electron/package-root.ts, which points at the app folder, and at
// app.asar.unpacked once packaged: jobs are other processes, and they cannot read inside an asar archive. The
// build fails if the two modules stop exporting the same names. Any other `import.meta.url` (meaningless in a
// CJS bundle) becomes the URL of the module's own source file in the app folder, as if unbundled.
//
// Usage: node main/electron/build.mjs [--outdir DIR] [--watch]
import { build, context } from 'esbuild';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

const ENGINE_ROOT_MODULE = path.join(root, 'main/engine/package-root.ts');
const ELECTRON_ROOT_MODULE = path.join(here, 'package-root.ts');

const exportsOf = async (file) =>
  [...(await fs.readFile(file, 'utf8')).matchAll(/^export\s+(?:const|let|function|class)\s+(\w+)/gm)]
    .map((m) => m[1])
    .sort();

/** Swaps main/engine/package-root.ts for main/electron/package-root.ts (see the top of this file). */
const packageRootPlugin = {
  name: 'axon-package-root',
  setup(b) {
    b.onLoad({ filter: /package-root\.ts$/ }, async (args) => {
      if (path.resolve(args.path) !== ENGINE_ROOT_MODULE) return undefined;
      const [engine, electron] = await Promise.all([
        exportsOf(ENGINE_ROOT_MODULE),
        exportsOf(ELECTRON_ROOT_MODULE),
      ]);
      if (!engine.every((name) => electron.includes(name)))
        throw new Error(
          `main/engine/package-root.ts exports ${engine.join(', ')}; main/electron/package-root.ts, which ` +
            `replaces it in the Electron bundle, exports ${electron.join(', ')}: bring them in line`,
        );
      return { contents: await fs.readFile(ELECTRON_ROOT_MODULE, 'utf8'), loader: 'ts', resolveDir: here };
    });
  },
};

/**
 * `@kubernetes/client-node` (~15 MB bundled, its generated API models) goes into its own kube.cjs, required the
 * first time a kube context is read, so the app does not parse it at every start.
 */
const KUBE_BUNDLE = './kube.cjs';
const kubeChunkPlugin = {
  name: 'axon-kube-chunk',
  setup(b) {
    b.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({ path: KUBE_BUNDLE, external: true }));
  },
};

const moduleUrlPlugin = {
  name: 'axon-module-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (path.resolve(args.path) === ENGINE_ROOT_MODULE) return undefined;
      const text = await fs.readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = path.relative(root, args.path).split(path.sep).join('/');
      return {
        contents: text.replaceAll('import.meta.url', `__axonModuleUrl(${JSON.stringify(rel)})`),
        loader: 'ts',
      };
    });
  },
};

// The app folder is two levels above the bundle (dist/electron/main.cjs), inside app.asar once packaged.
const banner = `
var __axonAppDir = require('node:path').join(__dirname, '..', '..');
var __axonModuleUrl = (rel) => require('node:url').pathToFileURL(require('node:path').join(__axonAppDir, rel)).href;
`;

export function options(outdir) {
  const common = {
    bundle: true,
    format: 'cjs',
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'none',
  };
  return [
    {
      ...common,
      entryPoints: [path.join(here, 'main.ts')],
      outfile: path.join(outdir, 'main.cjs'),
      platform: 'node',
      target: 'node22',
      // sqlite3 loads its .node binary through `bindings` (asarUnpack'd); ssh2's optional native helpers
      // (cpu-features, sshcrypto.node) are tried in try/catch and fall back to JS.
      external: ['electron', 'sqlite3', 'cpu-features', '*.node'],
      banner: { js: banner },
      plugins: [packageRootPlugin, moduleUrlPlugin, kubeChunkPlugin],
      // import() of kube.cjs becomes require(): CommonJS loads from inside app.asar everywhere.
      supported: { 'dynamic-import': false },
    },
    {
      // BO's suggestion worker (a worker thread of the main process; main.ts names this file): the search
      // code only.
      ...common,
      entryPoints: [path.join(root, 'main/engine/sweeps/suggest-worker.ts')],
      outfile: path.join(outdir, 'suggest-worker.cjs'),
      platform: 'node',
      target: 'node22',
      banner: { js: banner },
      plugins: [moduleUrlPlugin],
    },
    {
      ...common,
      entryPoints: { kube: '@kubernetes/client-node' },
      outfile: path.join(outdir, 'kube.cjs'),
      platform: 'node',
      target: 'node22',
      external: ['electron', '*.node'],
    },
    {
      ...common,
      entryPoints: [path.join(here, 'preload.ts')],
      // An IIFE: the sandboxed preload wrapper provides `require` (for 'electron') and nothing module-like.
      format: 'iife',
      outfile: path.join(outdir, 'preload.cjs'),
      platform: 'browser',
      target: 'chrome130',
      external: ['electron'],
    },
  ];
}

async function mainCli() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--outdir');
  const outdir = path.resolve(at >= 0 ? args[at + 1] : path.join(root, 'dist', 'electron'));
  if (args.includes('--watch')) {
    for (const o of options(outdir)) await (await context(o)).watch();
    console.log(`watching; bundles in ${path.relative(process.cwd(), outdir) || '.'}`);
    return;
  }
  const started = Date.now();
  const results = await Promise.all(options(outdir).map((o) => build({ ...o, metafile: true })));
  for (const r of results)
    for (const [file, info] of Object.entries(r.metafile.outputs))
      if (file.endsWith('.cjs'))
        console.log(`${path.relative(process.cwd(), file)}  ${(info.bytes / 1024).toFixed(0)} KiB`);
  console.log(`bundled in ${Date.now() - started} ms`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await mainCli();
