// `axon experiment -xp ID outputs [PATH…] [--download DIR]`: the listing, and the files copied here through a
// serving engine's signed download links (HTTP) and from an in-process engine; a file already here is kept
// unless --force; a path the run does not have is a usage error.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cli, experimentEnd, projectWith, startServe, tmpDir, type Served } from '../helpers';

const CMD =
  'mkdir -p $AXON_OUTPUTS_PATH/ckpt && head -c 300000 /dev/urandom > $AXON_OUTPUTS_PATH/ckpt/model.bin && echo hello > $AXON_OUTPUTS_PATH/result.txt';

let served: Served | null = null;
after(() => served?.stop());

async function runWithOutputs(home: string): Promise<{ id: number; outputs: string }> {
  const { dir, file } = projectWith(CMD);
  const r = await cli(['run', '-f', file, '--json'], { home, cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const [x] = JSON.parse((await cli(['ps', '--json'], { home })).stdout) as Array<{ id: number }>;
  return { id: x.id, outputs: path.join(home, 'runs', String(x.id), 'outputs') };
}

for (const how of ['through a serving engine (signed links over HTTP)', 'from an in-process engine']) {
  test(`outputs lists a run's files and --download copies them whole, ${how}`, async () => {
    const home = tmpDir();
    const serving = how.startsWith('through');
    if (serving) served = await startServe(home);
    const { id, outputs } = serving
      ? await (async () => {
          const { dir } = projectWith(CMD);
          const c = await served!.client.call('runs.create', {
            files: [
              { name: 'polyaxonfile.yml', text: fs.readFileSync(path.join(dir, 'polyaxonfile.yml'), 'utf8') },
            ],
            params: {},
            codePath: dir,
            backend: 'local',
          });
          const xid = c.kind === 'experiment' ? c.experiment.id : 0;
          await experimentEnd(served!.client, xid);
          return { id: xid, outputs: path.join(home, 'runs', String(xid), 'outputs') };
        })()
      : await runWithOutputs(home);
    const cwd = tmpDir('axon-dl-');

    const list = await cli(['experiment', '-xp', String(id), 'outputs'], { home, cwd });
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, 'path\tsize\nckpt/model.bin\t293.0 KiB\nresult.txt\t6 B\n');

    const dl = await cli(['experiment', '-xp', String(id), 'outputs', '--download'], { home, cwd });
    assert.equal(dl.code, 0, dl.stderr);
    const into = path.join(cwd, `experiment-${id}-outputs`);
    assert.equal(dl.stdout, `2 file(s), 293.0 KiB into ${into}\n`);
    for (const f of ['ckpt/model.bin', 'result.txt'])
      assert.ok(fs.readFileSync(path.join(into, f)).equals(fs.readFileSync(path.join(outputs, f))), f);
    assert.deepEqual(
      fs.readdirSync(into, { recursive: true }).map(String).sort(),
      ['ckpt', 'ckpt/model.bin', 'result.txt'],
      'no temporary file left',
    );

    // A file already here is not replaced without --force.
    fs.writeFileSync(path.join(into, 'result.txt'), 'mine\n');
    const again = await cli(['experiment', '-xp', String(id), 'outputs', 'result.txt', '-d', into], {
      home,
      cwd,
    });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /result\.txt: already in .*, kept \(--force replaces it\)/);
    assert.equal(fs.readFileSync(path.join(into, 'result.txt'), 'utf8'), 'mine\n');
    const forced = await cli(
      ['experiment', '-xp', String(id), 'outputs', 'result.txt', '-d', into, '--force'],
      {
        home,
        cwd,
      },
    );
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(fs.readFileSync(path.join(into, 'result.txt'), 'utf8'), 'hello\n');

    const missing = await cli(['experiment', '-xp', String(id), 'outputs', 'nope'], { home, cwd });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no output file or folder "nope" in this run/);
    if (serving) {
      await served!.stop();
      served = null;
    }
  });
}
