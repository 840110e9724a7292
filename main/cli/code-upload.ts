// `axon run` against a server on another machine: the code folder is sent with the run (Polyaxon's upload), as a
// gzipped tar of what a build context would hold (builder/context.ts: `.axonignore`, `.polyaxonignore` and
// `.dockerignore` apply, `.git` never goes), with `.gitignore` applied too, so data and checkpoints that git
// leaves out stay home. Symlinks are not sent (the server refuses them: a link in an archive can make a later
// entry land outside its folder); the CLI says which.
import { gzipSync } from 'node:zlib';
import pc from 'picocolors';
import type { AxonApi } from '../../shared/api';
import { defaultProjectName } from '../engine/auth/authorize';
import { packEntries, scanContext } from '../engine/builder/context';
import { snapshotCode } from '../engine/code/snapshot';
import { formatSize } from '../engine/code/upload-limits';
import type { CodeRef } from '../../shared/domain';
import { UPLOAD_MAX_BYTES as MAX_ARCHIVE } from '../../shared/uploads';

/** The largest archive sent (shared/uploads.ts says why; the dashboard's uploads keep to it too). */
export const UPLOAD_MAX_BYTES = Number(process.env.AXON_UPLOAD_MAX_BYTES) || MAX_ARCHIVE;

export interface PackedCode {
  archive: Buffer;
  files: number;
  /** The files' bytes before compression. */
  bytes: number;
  /** Symlinks left out, relative to the folder. */
  links: string[];
}

export async function packCode(dir: string): Promise<PackedCode> {
  const { entries } = await scanContext(dir, { extraIgnoreFiles: ['.gitignore'] });
  const links = entries.filter((e) => e.type === 'symlink').map((e) => e.rel);
  const kept = entries.filter((e) => e.type !== 'symlink');
  const chunks: Buffer[] = [];
  for await (const c of packEntries(dir, kept)) chunks.push(c as Buffer);
  const archive = gzipSync(Buffer.concat(chunks));
  const files = kept.filter((e) => e.type === 'file');
  const bytes = files.reduce((s, e) => s + e.size, 0);
  if (archive.length > UPLOAD_MAX_BYTES) {
    const biggest = [...files]
      .sort((a, b) => b.size - a.size)
      .slice(0, 5)
      .map((e) => `${e.rel} (${mib(e.size)})`);
    throw new Error(
      `the code folder ${dir} is ${mib(archive.length)} compressed (${files.length} files, ${mib(bytes)}), over ` +
        `the ${mib(UPLOAD_MAX_BYTES)} an upload may be; the largest files: ${biggest.join(', ')}. ` +
        'Leave data and checkpoints out with .axonignore (gitignore syntax) and read them from storage the server sees',
    );
  }
  return { archive, files: files.length, bytes, links };
}

const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;

/**
 * Where a run's code comes from: the folder itself when the engine is on this machine, else (or with
 * `--upload`) an upload of it. The project keeps the folder's name either way (an upload's folder on the
 * server is named by its hash).
 */
export async function runCode(
  api: AxonApi,
  codePath: string,
  opts: { upload: boolean; quiet: boolean },
): Promise<{ codePath: string } | { upload: string; project: string; code: CodeRef }> {
  if (!opts.upload) return { codePath };
  // The version is read from the folder with its .git, as the tar is made.
  const [version, packed] = await Promise.all([snapshotCode(codePath), packCode(codePath)]);
  if (!opts.quiet && packed.links.length)
    process.stderr.write(
      `axon: warning: symlinks are not uploaded: ${packed.links.slice(0, 5).join(', ')}` +
        `${packed.links.length > 5 ? ` and ${packed.links.length - 5} more` : ''}\n`,
    );
  const up = await api.call('code.upload', { archive: packed.archive.toString('base64') });
  if (!opts.quiet)
    process.stderr.write(
      pc.dim(
        `[axon] uploaded the code: ${up.files} files, ${formatSize(up.bytes)} (${formatSize(packed.archive.length)} sent)`,
      ) + '\n',
    );
  return { upload: up.id, project: defaultProjectName(codePath), code: version };
}
