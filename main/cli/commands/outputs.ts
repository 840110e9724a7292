// `axon experiment -xp ID outputs [PATH…] [--download [DIR]]`: a run's output files, and a copy of them here
// (Polyaxon's `experiment outputs` downloads). From an engine that answers over HTTP (`axon serve`, a shared
// engine) each file comes through a download link the engine signs for it; from an in-process engine it is
// copied from the outputs folder, found through the same contract (confined to that folder). Each file is
// written to a temporary name beside its place and renamed once whole, so an interrupted download never
// leaves half a file under the real name; a file already here is kept unless --force.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { AxonApi } from '../../../shared/api';
import { formatBytes } from '../../../shared/bytes';
import { printJson, printTable, UsageError } from '../format';
import type { Runner } from './types';
import { experimentIdOf } from '../ids';
import { transportFor } from '../connect';

interface OutputFile {
  path: string;
  size: number;
}

/** The files named by `wanted` (a file, or a folder and everything under it); all when none is given. */
export function selectOutputs(files: OutputFile[], wanted: string[]): OutputFile[] {
  if (!wanted.length) return files;
  const names = wanted.map((w) => w.replace(/^\.\/+/, '').replace(/\/+$/, ''));
  const picked = files.filter((f) =>
    names.some((n) => n === '' || f.path === n || f.path.startsWith(`${n}/`)),
  );
  const missing = names.filter((n) => !files.some((f) => f.path === n || f.path.startsWith(`${n}/`)));
  if (missing.length)
    throw new UsageError(`no output file or folder ${missing.map((m) => `"${m}"`).join(', ')} in this run`);
  return picked;
}

/** Where `rel` goes under `dir`; a name that would lead out of it (never listed by the engine) is refused. */
function destination(dir: string, rel: string): string {
  const to = path.resolve(dir, rel);
  if (!to.startsWith(path.resolve(dir) + path.sep)) throw new Error(`refusing the output name ${rel}`);
  return to;
}

function get(url: string, to: string): Promise<void> {
  const transport = transportFor(url);
  return new Promise((resolve, reject) => {
    transport
      .get(url, (res) => {
        if (res.statusCode !== 200) {
          let body = '';
          res.on('data', (d: Buffer) => (body += d));
          res.on('end', () => {
            let message = `HTTP ${res.statusCode}`;
            try {
              message = (JSON.parse(body) as { error: { message: string } }).error.message;
            } catch {
              /* not the engine's JSON */
            }
            reject(new Error(message));
          });
          return;
        }
        pipeline(res, fs.createWriteStream(to)).then(resolve, reject);
      })
      .on('error', reject);
  });
}

async function fetchOne(api: AxonApi, url: string | undefined, id: number, rel: string, to: string) {
  if (url) {
    const link = await api.call('experiments.downloadLink', { id, path: rel });
    await get(`${url}${link.href}`, to);
  } else {
    const at = await api.call('experiments.outputPath', { id, path: rel });
    await fs.promises.copyFile(at.realPath, to);
  }
}

export function registerOutputs(exp: Command, run: Runner): void {
  exp
    .command('outputs')
    .description('list its output files; --download copies them here')
    .argument('[paths...]', 'only these files or folders of its outputs')
    .option('-d, --download [dir]', 'copy them into DIR (default: experiment-ID-outputs)')
    .option('--force', 'replace files that are already there')
    .option('--json', 'JSON output')
    .action((paths: string[], o, cmd) =>
      run(async (api: AxonApi, { url }) => {
        const id = await experimentIdOf(cmd, api);
        const x = await api.call('experiments.get', { id });
        const files = selectOutputs(x.outputs, paths);
        if (!o.download) {
          if (o.json) return printJson(files);
          if (!files.length) {
            process.stderr.write(`experiment ${id} has no output files (yet)\n`);
            return;
          }
          printTable(
            ['path', 'size'],
            files.map((f) => [f.path, formatBytes(f.size)]),
          );
          return;
        }
        const dir = path.resolve(typeof o.download === 'string' ? o.download : `experiment-${id}-outputs`);
        const done: Array<OutputFile & { to: string; kept?: true }> = [];
        const total = files.reduce((n, f) => n + f.size, 0);
        let bytes = 0;
        for (const [i, f] of files.entries()) {
          const to = destination(dir, f.path);
          if (!o.force && fs.existsSync(to)) {
            done.push({ ...f, to, kept: true });
            if (!o.json)
              process.stderr.write(`[axon] ${f.path}: already in ${dir}, kept (--force replaces it)\n`);
            continue;
          }
          await fs.promises.mkdir(path.dirname(to), { recursive: true });
          const part = `${to}.axon-download`;
          try {
            await fetchOne(api, url, id, f.path, part);
            await fs.promises.rename(part, to);
          } catch (e) {
            await fs.promises.rm(part, { force: true });
            throw new Error(
              `${f.path}: ${(e as Error).message} (${done.length} of ${files.length} files done)`,
              { cause: e },
            );
          }
          bytes += f.size;
          done.push({ ...f, to });
          if (!o.json)
            process.stderr.write(
              `[axon] ${i + 1}/${files.length} ${f.path} (${formatBytes(f.size)}; ${formatBytes(bytes)} of ${formatBytes(total)})\n`,
            );
        }
        if (o.json) return printJson(done);
        const kept = done.filter((d) => d.kept).length;
        process.stdout.write(
          `${done.length - kept} file(s), ${formatBytes(bytes)} into ${dir}${kept ? `; ${kept} already there, kept` : ''}\n`,
        );
      }),
    );
}
