// Docker's multiplexed streams as the lines the log copier takes: a log stream's timestamped messages (lines
// over 16 KiB cut into pieces), an attach stream's raw output cut anywhere, and the per-stream skip that lets a
// copy from the timestamped log resume where an attached copy stopped. No Docker needed: frames are built here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { DockerLogLines } from '../../main/engine/backends/docker/container-log';
import { LogCopier } from '../../main/engine/backends/log-copier';
import { parseLine } from '../../main/engine/tracking/protocol';

const frame = (stream: number, text: string) => {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
};

/** The lines that come out (several at once: the lines of one chunk are pushed together). */
async function lines(t: DockerLogLines, chunks: Buffer[]): Promise<string[]> {
  const out: string[] = [];
  t.on('data', (d: Buffer) => out.push(d.toString()));
  const done = new Promise((r) => t.on('end', r));
  for (const c of chunks) t.write(c);
  t.end();
  await done;
  return out
    .join('')
    .split(/(?<=\n)/)
    .filter(Boolean);
}

test('attached: raw output cut anywhere comes out as whole "@stream text" lines, per stream', async () => {
  const bytes = Buffer.concat([
    frame(1, 'first li'),
    frame(2, 'an err'),
    frame(1, 'ne\nsecond\nthi'),
    frame(2, 'or\n'),
    frame(1, 'rd, no newline'),
  ]);
  // The multiplexed bytes themselves split at arbitrary points, as a socket delivers them.
  const chunks = [bytes.subarray(0, 5), bytes.subarray(5, 23), bytes.subarray(23)];
  assert.deepEqual(await lines(new DockerLogLines({ attached: true }), chunks), [
    '@1 first line\n',
    '@1 second\n',
    '@2 an error\n',
    '@1 third, no newline\n',
  ]);
});

test('a timestamped log skips, per stream, the lines an attached copy already took', async () => {
  const chunks = [
    frame(1, '2026-01-01T00:00:00.1Z out1\n'),
    frame(2, '2026-01-01T00:00:00.2Z err1\n'),
    frame(1, '2026-01-01T00:00:00.3Z out2\n'),
    frame(2, '2026-01-01T00:00:00.4Z err2\n'),
    frame(1, '2026-01-01T00:00:00.5Z out3\n'),
  ];
  // The attach saw out1, out2 and err1 (its order across streams may differ from the log's).
  assert.deepEqual(await lines(new DockerLogLines({ skip: { 1: 2, 2: 1 } }), chunks), [
    '2026-01-01T00:00:00.4Z err2\n',
    '2026-01-01T00:00:00.5Z out3\n',
  ]);
});

test('the copier counts attached lines per stream, then resumes from the timestamped log without a line twice', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'axon-copier-'));
  const logPath = path.join(dir, 'master-0.log');
  const a = new LogCopier(logPath);
  assert.ok(a.isFresh);
  const attached = new DockerLogLines({ attached: true });
  // Cut off (the engine closes) after three lines: no end, so the copy is not complete.
  const source = new Readable({ read() {} });
  source.push(Buffer.concat([frame(1, 'out1\nout2\n'), frame(2, 'err1\n')]));
  source.pipe(attached);
  const copying = a.copyFrom(attached);
  await new Promise((r) => setTimeout(r, 50));
  a.detach();
  await copying;
  assert.equal(a.completed, false);
  assert.deepEqual(a.attachedLines(), { 1: 2, 2: 1 });

  const b = new LogCopier(logPath);
  assert.ok(!b.isFresh);
  const skip = b.attachedLines() ?? undefined;
  const log = new DockerLogLines({ skip });
  const whole = Readable.from([
    frame(1, '2026-01-01T00:00:00.1Z out1\n'),
    frame(1, '2026-01-01T00:00:00.2Z out2\n'),
    frame(1, '2026-01-01T00:00:00.3Z out3\n'),
    frame(2, '2026-01-01T00:00:00.4Z err1\n'),
    frame(2, '2026-01-01T00:00:00.5Z err2\n'),
  ]);
  whole.pipe(log);
  await b.copyFrom(log);
  assert.ok(b.completed);
  assert.equal(fs.readFileSync(logPath, 'utf8'), 'out1\nout2\nerr1\nout3\nerr2\n');
  // From now on the cursor is a timestamp again.
  assert.equal(b.attachedLines(), null);
  assert.equal(b.sinceSeconds(), `${Date.parse('2026-01-01T00:00:00Z') / 1000}.500000000`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a last line without a newline, copied once, is not copied again by a later read of the same second', async () => {
  const logPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'axon-copier-')), 'job.log');
  const source = '2026-01-01T00:00:01.100000000Z first\n2026-01-01T00:00:01.200000000Z partial, no newline';
  // The follow stream ends when the process does; the ending's plain read asks again from that second.
  await new LogCopier(logPath).copyFrom(Readable.from([source]));
  await new LogCopier(logPath).copyFrom(Readable.from([source]));
  assert.equal(fs.readFileSync(logPath, 'utf8'), 'first\npartial, no newline\n');
});

test("a metrics record copied from a timestamped log gets the source's time as its ts (read late, still dated right); other lines are left as written", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'axon-copier-'));
  const logPath = path.join(dir, 'job.log');
  const source = [
    '2026-01-01T00:00:01.250000000Z @@axon {"metrics":{"loss":0.5},"step":3}',
    '2026-01-01T00:00:02.000000000Z @@axon {"metrics":{"loss":0.4},"step":4,"ts":1700000000}',
    '2026-01-01T00:00:03Z @@axon {"params":{"lr":0.1}}',
    '2026-01-01T00:00:04Z @@axon {not json',
    '2026-01-01T00:00:05Z plain output',
    '',
  ].join('\n');
  await new LogCopier(logPath).copyFrom(Readable.from([source]));
  const t = Date.parse('2026-01-01T00:00:01.250Z') / 1000;
  assert.equal(
    fs.readFileSync(logPath, 'utf8'),
    [
      `@@axon {"metrics":{"loss":0.5},"step":3,"ts":${t}}`,
      '@@axon {"metrics":{"loss":0.4},"step":4,"ts":1700000000}',
      '@@axon {"params":{"lr":0.1}}',
      '@@axon {not json',
      'plain output',
      '',
    ].join('\n'),
  );
  // The follower reads it as the point's time.
  const r = parseLine(`@@axon {"metrics":{"loss":0.5},"step":3,"ts":${t}}`);
  assert.equal(r.kind === 'record' && r.metrics?.ts, t);
  fs.rmSync(dir, { recursive: true, force: true });
});
