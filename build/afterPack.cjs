// electron-builder afterPack hook: flips Electron's fuses in the packaged binary before it is signed
// (https://www.electronjs.org/docs/latest/tutorial/fuses). Fuses are bits in the Electron binary that turn off
// features an attacker with local access could use to run code as the app: ELECTRON_RUN_AS_NODE, NODE_OPTIONS,
// --inspect, loading the app from outside app.asar, file:// extra privileges.
//
// It needs @electron/fuses (a devDependency, 1.x: the line electron-builder itself uses, CommonJS, Node ≥ 20).
// Without it this hook fails the build on purpose: an app without its fuses flipped must not ship.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports */
const path = require('node:path');

// electron-builder's Arch enum: ia32 0, x64 1, armv7l 2, arm64 3, universal 4.
const ARM64 = 3;
const UNIVERSAL = 4;

/**
 * The fuse settings for one target. Options missing from the installed @electron/fuses are skipped (an older
 * version); `strictlyRequireAllFuses` stays off so a newer Electron's extra fuses keep their defaults.
 */
function fuseConfig(fuses, platform, arch) {
  const { FuseV1Options: O, FuseVersion } = fuses;
  const wanted = {
    // No `ELECTRON_RUN_AS_NODE=1 Axon evil.js`: the app binary never acts as a plain Node.
    RunAsNode: false,
    // Cookies on disk encrypted with the OS keychain (the app keeps none today; free hardening).
    EnableCookieEncryption: true,
    // NODE_OPTIONS and --inspect / --inspect-brk cannot inject code or open a debugger into the app.
    EnableNodeOptionsEnvironmentVariable: false,
    EnableNodeCliInspectArguments: false,
    // app.asar is checked against the hash electron-builder embeds. Only where electron-builder embeds it
    // (macOS); Linux has no support, and Windows only once electron-builder writes the integrity resource.
    EnableEmbeddedAsarIntegrityValidation: platform === 'darwin' || platform === 'mas',
    // Only app.asar is loaded, never a loose `app/` folder planted beside it.
    OnlyLoadAppFromAsar: true,
    // The renderer is served from app://axon (main/electron/app-protocol.ts), so file:// needs no extra rights.
    GrantFileProtocolExtraPrivileges: false,
  };
  const config = { version: FuseVersion.V1 };
  const skipped = [];
  for (const [name, value] of Object.entries(wanted)) {
    if (O[name] === undefined) skipped.push(name);
    else config[O[name]] = value;
  }
  // Flipping fuses breaks the ad-hoc signature of Apple Silicon binaries; re-sign ad hoc (a real signature,
  // when configured, is applied by electron-builder after this hook).
  config.resetAdHocDarwinSignature =
    (platform === 'darwin' || platform === 'mas') && (arch === ARM64 || arch === UNIVERSAL);
  return { config, skipped };
}

/** The packaged Electron executable (for macOS the .app bundle: @electron/fuses finds the framework in it). */
function electronBinary(context) {
  const { appOutDir, electronPlatformName: platform, packager } = context;
  const productFilename = packager.appInfo.productFilename;
  switch (platform) {
    case 'darwin':
    case 'mas':
      return path.join(appOutDir, `${productFilename}.app`);
    case 'win32':
      return path.join(appOutDir, `${productFilename}.exe`);
    default:
      return path.join(
        appOutDir,
        packager.executableName || packager.config?.linux?.executableName || productFilename,
      );
  }
}

/** @electron/fuses, with its FuseState enum (1.x exports that from its constants module only). `req` is
 *  `require`, replaceable in tests. */
function loadFuses(req = require) {
  try {
    const fuses = req('@electron/fuses');
    if (fuses.FuseState) return fuses;
    return { ...fuses, FuseState: req('@electron/fuses/dist/constants').FuseState };
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND')
      throw new Error(
        'build/afterPack.cjs: @electron/fuses is not installed, and Axon does not ship without its fuses flipped. ' +
          'Run `npm install --save-dev @electron/fuses` and package again.',
        { cause: e },
      );
    throw e;
  }
}

/** Flips the fuses with the given @electron/fuses module (as loadFuses returns it), then reads them back. */
async function flip(context, fuses, log = console.log) {
  const binary = electronBinary(context);
  const { config, skipped } = fuseConfig(fuses, context.electronPlatformName, context.arch);
  if (skipped.length)
    log(`  • fuses: this @electron/fuses does not know ${skipped.join(', ')}; left at Electron's default`);
  await fuses.flipFuses(binary, config);
  if (fuses.getCurrentFuseWire) {
    const wire = await fuses.getCurrentFuseWire(binary);
    const { ENABLE, DISABLE } = fuses.FuseState;
    for (const [index, value] of Object.entries(config)) {
      if (!/^\d+$/.test(index)) continue;
      if (wire[index] !== (value ? ENABLE : DISABLE))
        throw new Error(`build/afterPack.cjs: fuse ${fuses.FuseV1Options[index]} did not take in ${binary}`);
    }
  }
  log(`  • fuses flipped in ${path.relative(process.cwd(), binary) || binary}`);
  return { binary, config };
}

async function afterPack(context) {
  await flip(context, loadFuses());
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.fuseConfig = fuseConfig;
module.exports.electronBinary = electronBinary;
module.exports.flip = flip;
module.exports.loadFuses = loadFuses;
