// A folder chosen in the browser (`<input webkitdirectory>`) packed as the gzipped tar that `code.upload` takes,
// as `axon run` packs one (main/cli/code-upload.ts): `.git` never goes, and `.axonignore`, `.polyaxonignore` and
// `.gitignore` at the folder's root apply (gitignore rules, the `ignore` package). `.dockerignore` is not read
// here (its rules differ and their reader needs Node): leave data out with `.axonignore`. A browser gives files
// only, never links. Nothing here imports Node: the archive is written by hand (ustar headers), gzipped by the
// browser's CompressionStream.
import ignore from 'ignore';
import { UPLOAD_MAX_BYTES } from '../../../shared/uploads';

const IGNORE_FILES = ['.axonignore', '.polyaxonignore', '.gitignore'];

export interface PackedFolder {
  /** base64 of the .tar.gz, for `code.upload`. */
  archive: string;
  /** The folder's name (the project's, as the CLI names it from the folder). */
  folder: string;
  files: number;
  /** The files' bytes before compression. */
  bytes: number;
  /** The compressed archive's size. */
  sent: number;
  /** Files left out by the ignore files (count only). */
  ignored: number;
}

/** A picked file: what `<input webkitdirectory>` gives (`webkitRelativePath` is "folder/sub/file"). */
export interface PickedFile {
  readonly webkitRelativePath: string;
  readonly size: number;
  readonly lastModified: number;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

export async function packFolder(picked: readonly PickedFile[]): Promise<PackedFolder> {
  if (!picked.length) throw new Error('the folder is empty');
  const folder = picked[0].webkitRelativePath.split('/')[0];
  const rel = (f: PickedFile) => f.webkitRelativePath.split('/').slice(1).join('/');
  const rules = ignore();
  for (const name of IGNORE_FILES) {
    const f = picked.find((x) => rel(x) === name);
    if (f) rules.add(await f.text());
  }
  const kept = picked.filter((f) => {
    const r = rel(f);
    return r && !r.split('/').includes('.git') && !rules.ignores(r);
  });
  const parts: Uint8Array[] = [];
  let bytes = 0;
  for (const f of kept) {
    const data = new Uint8Array(await f.arrayBuffer());
    parts.push(header(rel(f), data.length, f.lastModified), data, new Uint8Array(padding(data.length)));
    bytes += data.length;
  }
  parts.push(new Uint8Array(1024)); // two empty blocks end the archive
  const gz = await gzip(parts);
  if (gz.length > UPLOAD_MAX_BYTES) {
    const biggest = [...kept]
      .sort((a, b) => b.size - a.size)
      .slice(0, 5)
      .map((f) => `${rel(f)} (${mib(f.size)})`);
    throw new Error(
      `the folder ${folder} is ${mib(gz.length)} compressed (${kept.length} files, ${mib(bytes)}), over the ` +
        `${mib(UPLOAD_MAX_BYTES)} an upload may be; the largest files: ${biggest.join(', ')}. Leave data and ` +
        'checkpoints out with .axonignore (gitignore syntax) and read them from storage the server sees',
    );
  }
  return {
    archive: base64(gz),
    folder,
    files: kept.length,
    bytes,
    sent: gz.length,
    ignored: picked.length - kept.length,
  };
}

const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;
const padding = (n: number) => (512 - (n % 512)) % 512;

/** A ustar header for a regular file (mode 0644); a name over 100 bytes is split into prefix + name. */
function header(name: string, size: number, mtimeMs: number): Uint8Array {
  const enc = new TextEncoder();
  const h = new Uint8Array(512);
  let full = enc.encode(name);
  let prefix = new Uint8Array(0);
  if (full.length > 100) {
    // Split at a "/" so that the name fits in 100 bytes and the prefix in 155.
    // (UTF-16 indices throughout: the slices below use them too.)
    let at = -1;
    for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1))
      if (enc.encode(name.slice(0, i)).length <= 155 && enc.encode(name.slice(i + 1)).length <= 100) at = i;
    if (at < 0) throw new Error(`the path ${name} is too long for an upload (over 255 bytes)`);
    prefix = enc.encode(name.slice(0, at));
    full = enc.encode(name.slice(at + 1));
  }
  const put = (text: string | Uint8Array, offset: number) =>
    h.set(typeof text === 'string' ? enc.encode(text) : text, offset);
  const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, '0') + '\0';
  put(full, 0);
  put(octal(0o644, 8), 100);
  put(octal(0, 8), 108);
  put(octal(0, 8), 116);
  put(octal(size, 12), 124);
  put(octal(Math.floor(mtimeMs / 1000), 12), 136);
  put('        ', 148); // the checksum counts its own field as spaces
  put('0', 156);
  put('ustar\0', 257);
  put('00', 263);
  put(prefix, 345);
  const sum = h.reduce((s, b) => s + b, 0);
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

async function gzip(parts: Uint8Array[]): Promise<Uint8Array> {
  const stream = new Blob(parts as unknown as ConstructorParameters<typeof Blob>[0])
    .stream()
    .pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function base64(data: Uint8Array): string {
  let s = '';
  for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return btoa(s);
}
