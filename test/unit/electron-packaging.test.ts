// Packaging (electron-builder.yml, build/afterPack.cjs): the configuration's essentials, the fuses the hook
// sets per platform, the binary it flips, and that it refuses to package when @electron/fuses is missing.
// electron-builder itself is not installed here (nor is the Electron binary), so nothing is packaged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { unpackedRoot } from '../../main/electron/lifecycle';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

interface AfterPack {
  (context: unknown): Promise<void>;
  fuseConfig(
    fuses: unknown,
    platform: string,
    arch: number,
  ): { config: Record<string, unknown>; skipped: string[] };
  electronBinary(context: unknown): string;
  flip(context: unknown, fuses: unknown, log?: (s: string) => void): Promise<{ binary: string }>;
}
const afterPack = require(path.join(ROOT, 'build/afterPack.cjs')) as AfterPack;

// The shape of @electron/fuses (enum values as in its src/config.ts and constants.ts).
const O = {
  RunAsNode: 0,
  EnableCookieEncryption: 1,
  EnableNodeOptionsEnvironmentVariable: 2,
  EnableNodeCliInspectArguments: 3,
  EnableEmbeddedAsarIntegrityValidation: 4,
  OnlyLoadAppFromAsar: 5,
  LoadBrowserProcessSpecificV8Snapshot: 6,
  GrantFileProtocolExtraPrivileges: 7,
} as Record<string, number>;
for (const [k, v] of Object.entries({ ...O })) O[v] = k as never;
const FuseState = { DISABLE: 48, ENABLE: 49, REMOVED: 114, INHERIT: 144 };

function fakeFuses() {
  const wire: Record<string, number> = {};
  const calls: Array<[string, Record<string, unknown>]> = [];
  return {
    calls,
    FuseV1Options: O,
    FuseVersion: { V1: '1' },
    FuseState,
    async flipFuses(p: string, config: Record<string, unknown>) {
      calls.push([p, config]);
      for (const [k, v] of Object.entries(config))
        if (/^\d+$/.test(k)) wire[k] = v ? FuseState.ENABLE : FuseState.DISABLE;
      return 1;
    },
    async getCurrentFuseWire() {
      return { version: '1', ...wire };
    },
  };
}

const context = (platform: string, arch = 1) => ({
  appOutDir: `/out/${platform}-unpacked`,
  electronPlatformName: platform,
  arch,
  packager: {
    appInfo: { productFilename: 'Axon' },
    executableName: platform === 'linux' ? 'axon-desktop' : undefined,
  },
});

test('fuses: no run-as-node, no NODE_OPTIONS or --inspect, only app.asar, no file:// privileges', () => {
  const { config, skipped } = afterPack.fuseConfig(fakeFuses(), 'linux', 1);
  assert.deepEqual(skipped, []);
  assert.equal(config.version, '1');
  assert.equal(config[O.RunAsNode], false);
  assert.equal(config[O.EnableCookieEncryption], true);
  assert.equal(config[O.EnableNodeOptionsEnvironmentVariable], false);
  assert.equal(config[O.EnableNodeCliInspectArguments], false);
  assert.equal(config[O.OnlyLoadAppFromAsar], true);
  assert.equal(config[O.GrantFileProtocolExtraPrivileges], false);
  assert.equal(config[O.EnableEmbeddedAsarIntegrityValidation], false, 'no asar integrity support on Linux');
  assert.equal(config[O.LoadBrowserProcessSpecificV8Snapshot], undefined, 'left at its default');
  assert.equal(config.resetAdHocDarwinSignature, false);
  const mac = afterPack.fuseConfig(fakeFuses(), 'darwin', 3).config;
  assert.equal(mac[O.EnableEmbeddedAsarIntegrityValidation], true);
  assert.equal(mac.resetAdHocDarwinSignature, true, 'arm64 macOS is re-signed ad hoc');
  assert.equal(afterPack.fuseConfig(fakeFuses(), 'darwin', 1).config.resetAdHocDarwinSignature, false);
  assert.equal(
    afterPack.fuseConfig(fakeFuses(), 'win32', 1).config[O.EnableEmbeddedAsarIntegrityValidation],
    false,
  );
  // An older @electron/fuses without the file-protocol fuse: skipped and said.
  const old = { ...fakeFuses(), FuseV1Options: { ...O, GrantFileProtocolExtraPrivileges: undefined } };
  assert.deepEqual(afterPack.fuseConfig(old, 'linux', 1).skipped, ['GrantFileProtocolExtraPrivileges']);
});

test('the binary flipped on each platform, and the wire read back', async () => {
  assert.equal(afterPack.electronBinary(context('darwin')), path.join('/out/darwin-unpacked', 'Axon.app'));
  assert.equal(afterPack.electronBinary(context('win32')), path.join('/out/win32-unpacked', 'Axon.exe'));
  assert.equal(afterPack.electronBinary(context('linux')), path.join('/out/linux-unpacked', 'axon-desktop'));
  const fuses = fakeFuses();
  const lines: string[] = [];
  const { binary } = await afterPack.flip(context('linux'), fuses, (s) => lines.push(s));
  assert.equal(binary, path.join('/out/linux-unpacked', 'axon-desktop'));
  assert.equal(fuses.calls.length, 1);
  assert.match(lines.join('\n'), /fuses flipped/);
  // A fuse that does not take fails the build.
  const broken = { ...fakeFuses(), getCurrentFuseWire: async () => ({ version: '1' }) };
  await assert.rejects(
    afterPack.flip(context('linux'), broken, () => undefined),
    /did not take/,
  );
});

test('without @electron/fuses the hook fails the build and says what to install', async () => {
  let installed = true;
  try {
    require.resolve('@electron/fuses');
  } catch {
    installed = false;
  }
  if (installed) return; // where it is installed, packaging flips for real
  await assert.rejects(afterPack(context('linux')), /npm install --save-dev @electron\/fuses/);
  assert.equal(afterPack, (afterPack as unknown as { default: unknown }).default);
});

test('electron-builder.yml: targets, bundles, unpacked sqlite3, no rebuild, the afterPack hook', () => {
  const c = YAML.parse(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8'));
  assert.equal(c.productName, 'Axon');
  assert.match(c.appId, /^[a-z0-9.-]+$/);
  assert.deepEqual(c.linux.target, ['AppImage', 'deb']);
  assert.deepEqual(c.mac.target, ['dmg']);
  assert.deepEqual(c.win.target, ['nsis']);
  assert.equal(c.npmRebuild, false);
  assert.equal(c.asar, true);
  assert.equal(c.extraMetadata.main, 'dist/electron/main.cjs');
  for (const f of ['package.json', 'dist/electron/**', 'dist/renderer/**', 'sdk/python/**'])
    assert.ok(c.files.includes(f), f);
  assert.ok(
    c.asarUnpack.includes('**/node_modules/sqlite3/build/Release/*.node'),
    "c.asarUnpack.includes('**/node_modules/sqlite3/build/Release/*.node')",
  );
  assert.ok(c.asarUnpack.includes('sdk/python/**'), "c.asarUnpack.includes('sdk/python/**')");
  // Every folder the engine finds from PACKAGE_ROOT (app.asar.unpacked once packaged) is unpacked.
  const rootFolders = new Set<string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts'))
        for (const m of fs
          .readFileSync(p, 'utf8')
          .matchAll(/path\.join\(PACKAGE_ROOT,\s*'([^']+)'(?:,\s*'([^']+)')?/g))
          rootFolders.add(m[2] ? `${m[1]}/${m[2]}` : m[1]);
    }
  };
  walk(path.join(ROOT, 'main'));
  assert.ok(rootFolders.size >= 2, [...rootFolders].join());
  for (const f of rootFolders) assert.ok(c.asarUnpack.includes(`${f}/**`), `${f}/** is in asarUnpack`);
  assert.equal(c.afterPack, 'build/afterPack.cjs');
  assert.ok(fs.existsSync(path.join(ROOT, c.afterPack)), 'fs.existsSync(path.join(ROOT, c.afterPack))');
  // The glob names the binary that sqlite3 actually loads.
  assert.ok(
    fs.existsSync(path.join(ROOT, 'node_modules/sqlite3/build/Release/node_sqlite3.node')),
    "fs.existsSync(path.join(ROOT, 'node_modules/sqlite3/build/Release/node_sqlite3.node'))",
  );
  assert.match(
    fs.readFileSync(path.join(ROOT, 'node_modules/sqlite3/lib/sqlite3-binding.js'), 'utf8'),
    /node_sqlite3\.node/,
  );
});

test('in a packaged app PACKAGE_ROOT is app.asar.unpacked; elsewhere the app folder itself', () => {
  assert.equal(unpackedRoot('/opt/Axon/resources/app.asar'), '/opt/Axon/resources/app.asar.unpacked');
  assert.equal(unpackedRoot('C:\\Axon\\resources\\app.asar'), 'C:\\Axon\\resources\\app.asar.unpacked');
  assert.equal(
    unpackedRoot('/Applications/Axon.app/Contents/Resources/app.asar/'),
    '/Applications/Axon.app/Contents/Resources/app.asar.unpacked/',
  );
  assert.equal(unpackedRoot('/home/u/axon'), '/home/u/axon');
  assert.equal(unpackedRoot('/home/u/app.asar.d'), '/home/u/app.asar.d');
});
