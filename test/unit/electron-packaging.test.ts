// Packaging (electron-builder.yml, build/afterPack.cjs): the configuration's essentials, the fuses the hook
// sets per platform with @electron/fuses' own enums, the hook flipping a fuse wire for real, the binary it
// flips, and that it refuses to package when @electron/fuses is missing. electron-builder itself is not
// installed here (nor is the Electron binary), so nothing is packaged: the real flip runs on a file laid out
// like Electron's fuse wire (the sentinel, then version, length and one byte per fuse).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { unpackedRoot } from '../../main/electron/lifecycle';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

interface Fuses {
  FuseV1Options: Record<string, number> & Record<number, string>;
  FuseVersion: { V1: string };
  FuseState: { DISABLE: number; ENABLE: number; REMOVED: number; INHERIT: number };
  flipFuses(p: string, config: Record<string, unknown>): Promise<number>;
  getCurrentFuseWire(p: string): Promise<Record<string, number | string>>;
}
interface AfterPack {
  (context: unknown): Promise<void>;
  default: unknown;
  fuseConfig(
    fuses: unknown,
    platform: string,
    arch: number,
  ): { config: Record<string, unknown>; skipped: string[] };
  electronBinary(context: unknown): string;
  flip(context: unknown, fuses: unknown, log?: (s: string) => void): Promise<{ binary: string }>;
  loadFuses(req?: (id: string) => unknown): Fuses;
}
const afterPack = require(path.join(ROOT, 'build/afterPack.cjs')) as AfterPack;

// @electron/fuses itself (a devDependency): its enums, as the hook loads them.
const fuses = afterPack.loadFuses();
const O = fuses.FuseV1Options;
const { FuseState } = fuses;

/** @electron/fuses with flipFuses / getCurrentFuseWire recorded instead of touching a binary. */
function fakeFuses() {
  const wire: Record<string, number> = {};
  const calls: Array<[string, Record<string, unknown>]> = [];
  return {
    ...fuses,
    calls,
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
  const fake = fakeFuses();
  const lines: string[] = [];
  const { binary } = await afterPack.flip(context('linux'), fake, (s) => lines.push(s));
  assert.equal(binary, path.join('/out/linux-unpacked', 'axon-desktop'));
  assert.equal(fake.calls.length, 1);
  assert.match(lines.join('\n'), /fuses flipped/);
  // A fuse that does not take fails the build.
  const broken = { ...fakeFuses(), getCurrentFuseWire: async () => ({ version: '1' }) };
  await assert.rejects(
    afterPack.flip(context('linux'), broken, () => undefined),
    /did not take/,
  );
});

test('the hook flips a fuse wire for real with @electron/fuses and reads it back', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'axon-fuses-'));
  try {
    const ctx = { ...context('linux'), appOutDir: out };
    const binary = afterPack.electronBinary(ctx);
    // Electron's layout: the sentinel, the wire version (1), its length, one byte per fuse ('0' or '1').
    // Nine fuses: one more than this @electron/fuses knows, as a newer Electron has; it keeps its default.
    const sentinel = Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX');
    const before = Buffer.from('101111011', 'latin1'); // Electron's defaults, plus the unknown ninth fuse on
    const head = Buffer.from('\x7fELF junk before the wire', 'latin1');
    const tail = Buffer.from('junk after the wire', 'latin1');
    fs.writeFileSync(binary, Buffer.concat([head, sentinel, Buffer.from([1, before.length]), before, tail]));
    const lines: string[] = [];
    const origLog = console.log;
    console.log = (s: string) => lines.push(s);
    try {
      await afterPack(ctx);
    } finally {
      console.log = origLog;
    }
    assert.match(lines.join('\n'), /fuses flipped/);
    const wire = await fuses.getCurrentFuseWire(binary);
    const on = FuseState.ENABLE;
    const off = FuseState.DISABLE;
    assert.equal(wire.version, '1');
    assert.equal(wire[O.RunAsNode], off);
    assert.equal(wire[O.EnableCookieEncryption], on);
    assert.equal(wire[O.EnableNodeOptionsEnvironmentVariable], off);
    assert.equal(wire[O.EnableNodeCliInspectArguments], off);
    assert.equal(wire[O.EnableEmbeddedAsarIntegrityValidation], off, 'no asar integrity support on Linux');
    assert.equal(wire[O.OnlyLoadAppFromAsar], on);
    assert.equal(wire[O.LoadBrowserProcessSpecificV8Snapshot], before[6], 'left as it was');
    assert.equal(wire[O.GrantFileProtocolExtraPrivileges], off);
    assert.equal(wire[8], before[8], 'a fuse this @electron/fuses does not know keeps its default');
    // Nothing but the wire changed.
    const after = fs.readFileSync(binary);
    assert.equal(after.length, head.length + sentinel.length + 2 + before.length + tail.length);
    assert.deepEqual(
      after.subarray(0, head.length + sentinel.length + 2),
      Buffer.concat([head, sentinel, Buffer.from([1, 9])]),
    );
    assert.deepEqual(after.subarray(after.length - tail.length), tail);
    // A file without the sentinel (not an Electron binary) fails the build.
    fs.writeFileSync(binary, 'not electron');
    await assert.rejects(afterPack(ctx), /sentinel/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('without @electron/fuses the hook fails the build and says what to install', () => {
  const missing = (id: string) => {
    throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
  };
  assert.throws(() => afterPack.loadFuses(missing), /npm install --save-dev @electron\/fuses/);
  // Any other error loading it is not mistaken for a missing package.
  const broken = () => {
    throw new Error('a syntax error in the package');
  };
  assert.throws(() => afterPack.loadFuses(broken), /a syntax error in the package/);
  // Installed (a devDependency), it is the package itself, FuseState included.
  assert.equal(afterPack.loadFuses().flipFuses, require('@electron/fuses').flipFuses);
  assert.deepEqual(FuseState, require('@electron/fuses/dist/constants').FuseState);
  assert.equal(afterPack, afterPack.default);
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
  // BO's worker file, which main.ts names from the unpacked folder (lifecycle.ts, suggestWorkerPath).
  assert.ok(c.asarUnpack.includes('dist/electron/suggest-worker.cjs'), 'the suggestion worker is unpacked');
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
