// PACKAGE_ROOT in the Electron bundle: main/electron/build.mjs substitutes this module for
// main/engine/package-root.ts (which walks up from its own file to Axon's package.json). In a packaged app
// the bundle sits in resources/app.asar, and the folders found from PACKAGE_ROOT are read by other processes:
// sdk/python goes on the jobs' PYTHONPATH and is bind-mounted into containers, which cannot look inside an
// asar archive. So the packaged root is app.asar.unpacked, and electron-builder.yml unpacks every folder the
// engine finds from it (sdk/python, dist/renderer; a test checks the list against the sources).

import { unpackedRoot } from './lifecycle';

// Defined by the bundle's banner: the folder two levels above dist/electron/main.cjs.
declare const __axonAppDir: string | undefined;

if (typeof __axonAppDir !== 'string')
  throw new Error('main/electron/package-root.ts is only for the Electron bundle (main/electron/build.mjs)');

export const PACKAGE_ROOT = unpackedRoot(__axonAppDir);
