// No GPU here: these tests run the parser and sampler on nvidia-smi output written by hand in nvidia-smi's
// format, not captured from hardware (test/fixtures/nvidia-smi/, see its README), and on fake nvidia-smi
// programs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  NVIDIA_SMI_ARGS,
  NvidiaSmiError,
  parseNvidiaSmiCsv,
  sampleGpus,
  type ExecFn,
} from '../../main/engine/monitor/nvidia-smi';
import { ROOT, tmpDir } from '../helpers';

const MIB = 1024 * 1024;
const fixture = (name: string) => fs.readFileSync(path.join(ROOT, 'test/fixtures/nvidia-smi', name), 'utf8');

test('hand-written nvidia-smi output (no GPU here): 1×A100 under load', () => {
  assert.deepEqual(parseNvidiaSmiCsv(fixture('a100x1.csv')), [
    {
      index: 0,
      uuid: 'GPU-4f9b1e2a-7c3d-5e6f-8a9b-0c1d2e3f4a5b',
      name: 'NVIDIA A100-SXM4-40GB',
      utilizationPercent: 87,
      memoryUsedBytes: 31457 * MIB,
      memoryTotalBytes: 40960 * MIB,
      temperatureC: 61,
      powerDrawW: 287.45,
    },
  ]);
});

test('hand-written nvidia-smi output (no GPU here): 4×V100, one power.draw is [N/A] and becomes null', () => {
  const gpus = parseNvidiaSmiCsv(fixture('v100x4-na-power.csv'));
  assert.deepEqual(
    gpus.map((g) => g.index),
    [0, 1, 2, 3],
  );
  assert.ok(
    gpus.every((g) => g.name === 'Tesla V100-SXM2-16GB' && g.memoryTotalBytes === 16160 * MIB),
    "gpus.every((g) => g.name === 'Tesla V100-SXM2-16GB' && g.memoryTotalBytes === 16160 * MIB)",
  );
  assert.deepEqual(
    gpus.map((g) => g.powerDrawW),
    [251.32, 243.87, null, 41.1],
  );
  assert.deepEqual(
    gpus.map((g) => g.utilizationPercent),
    [100, 98, 0, 0],
  );
  // An idle GPU's 0 stays 0: only unreported values are null.
  assert.equal(gpus[2].memoryUsedBytes, 0);
  assert.equal(gpus[2].temperatureC, 38);
});

test('hand-written nvidia-smi output (no GPU here): MIG mode reports utilization as [N/A]', () => {
  const gpus = parseNvidiaSmiCsv(fixture('mig-a100x2.csv'));
  assert.equal(gpus.length, 2);
  assert.deepEqual(
    gpus.map((g) => [g.utilizationPercent, g.memoryUsedBytes, g.powerDrawW]),
    [
      [null, 19820 * MIB, 97.66],
      [null, 13 * MIB, 64.02],
    ],
  );
});

test('hand-written nvidia-smi output (no GPU here): [Not Supported] fields become null', () => {
  const [g] = parseNvidiaSmiCsv(fixture('not-supported-geforce.csv'));
  assert.equal(g.name, 'NVIDIA GeForce GT 1030');
  assert.equal(g.utilizationPercent, null);
  assert.equal(g.powerDrawW, null);
  assert.equal(g.memoryTotalBytes, 2001 * MIB);
  assert.equal(g.temperatureC, 39);
});

test('hand-written nvidia-smi output (no GPU here): empty output and "No devices were found" give no samples', () => {
  assert.equal(fixture('empty.csv'), '');
  assert.deepEqual(parseNvidiaSmiCsv(fixture('empty.csv')), []);
  assert.deepEqual(parseNvidiaSmiCsv(fixture('no-devices.txt')), []);
  assert.deepEqual(parseNvidiaSmiCsv('\n  \n\r\n'), []);
});

test('parser: whitespace, CRLF, a comma in the name, and other bracketed values', () => {
  const text =
    '  0 ,GPU-a,  Weird, Inc. GPU ,  5 , 10, 20 ,  30,  1.5  \r\n' +
    '1, GPU-b, X, [Unknown Error], [Insufficient Permissions], [N/A], [N/A], [N/A]\r\n' +
    'not, a, gpu, row, at, all, 1, 2\n' +
    '2, GPU-c, too, few\n';
  assert.deepEqual(parseNvidiaSmiCsv(text), [
    {
      index: 0,
      uuid: 'GPU-a',
      name: 'Weird, Inc. GPU',
      utilizationPercent: 5,
      memoryUsedBytes: 10 * MIB,
      memoryTotalBytes: 20 * MIB,
      temperatureC: 30,
      powerDrawW: 1.5,
    },
    {
      index: 1,
      uuid: 'GPU-b',
      name: 'X',
      utilizationPercent: null,
      memoryUsedBytes: null,
      memoryTotalBytes: null,
      temperatureC: null,
      powerDrawW: null,
    },
  ]);
});

const fakeRun =
  (fn: () => Promise<{ stdout: string; stderr: string }>, calls: unknown[][] = []): ExecFn =>
  (file, args, opts) => {
    calls.push([file, args, opts]);
    return fn();
  };

const execError = (props: Record<string, unknown>) => Object.assign(new Error('exec failed'), props);

test('sampleGpus on hand-written output (no GPU here): runs the fixed query with a time limit', async () => {
  const calls: unknown[][] = [];
  const gpus = await sampleGpus(
    fakeRun(async () => ({ stdout: fixture('v100x4-na-power.csv'), stderr: '' }), calls),
    { timeoutMs: 1234 },
  );
  assert.equal(gpus?.length, 4);
  assert.deepEqual(calls, [
    [
      'nvidia-smi',
      [
        '--query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw',
        '--format=csv,noheader,nounits',
      ],
      { timeoutMs: 1234 },
    ],
  ]);
});

test('sampleGpus: null when nvidia-smi is absent, [] when it sees no device, an error when it fails', async () => {
  assert.equal(await sampleGpus(fakeRun(() => Promise.reject(execError({ code: 'ENOENT' })))), null);
  assert.deepEqual(
    await sampleGpus(
      fakeRun(() => Promise.reject(execError({ code: 6, stdout: fixture('no-devices.txt'), stderr: '' }))),
    ),
    [],
  );
  await assert.rejects(
    sampleGpus(
      fakeRun(() =>
        Promise.reject(
          execError({
            code: 9,
            stdout:
              "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. " +
              'Make sure that the latest NVIDIA driver is installed and running.\n',
            stderr: '',
          }),
        ),
      ),
    ),
    (e: Error) => e instanceof NvidiaSmiError && /exit 9/.test(e.message) && /communicate/.test(e.message),
  );
  await assert.rejects(
    sampleGpus(
      fakeRun(() => Promise.reject(execError({ code: null, killed: true, signal: 'SIGKILL' }))),
      {
        timeoutMs: 50,
      },
    ),
    /did not answer within 50 ms/,
  );
});

test('sampleGpus with the real exec: absent binary gives null; a fake nvidia-smi is run and parsed', async (t) => {
  assert.equal(await sampleGpus(undefined, { binary: '/nonexistent/nvidia-smi' }), null);
  const dir = tmpDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const argsFile = path.join(dir, 'args');
  const fake = path.join(dir, 'nvidia-smi');
  fs.writeFileSync(
    fake,
    `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\ncat '${path.join(ROOT, 'test/fixtures/nvidia-smi/a100x1.csv')}'\n`,
    { mode: 0o755 },
  );
  const gpus = await sampleGpus(undefined, { binary: fake });
  assert.equal(gpus?.[0].name, 'NVIDIA A100-SXM4-40GB');
  assert.deepEqual(fs.readFileSync(argsFile, 'utf8').trim().split('\n'), NVIDIA_SMI_ARGS);

  const slow = path.join(dir, 'slow-smi');
  fs.writeFileSync(slow, '#!/bin/sh\nexec sleep 5\n', { mode: 0o755 });
  const t0 = Date.now();
  await assert.rejects(sampleGpus(undefined, { binary: slow, timeoutMs: 200 }), NvidiaSmiError);
  assert.ok(Date.now() - t0 < 3000, 'the time limit stops a hung nvidia-smi');

  const broken = path.join(dir, 'broken-smi');
  fs.writeFileSync(broken, '#!/bin/sh\necho "NVIDIA-SMI has failed" >&2\nexit 9\n', { mode: 0o755 });
  await assert.rejects(sampleGpus(undefined, { binary: broken }), /exit 9.*NVIDIA-SMI has failed/);
});
