// GPU samples from nvidia-smi's CSV query mode. The query below is fixed; its output has one line per GPU,
// the fields in query order, separated by ", ", without quoting and (with nounits) without units:
//   0, GPU-2f1c…, NVIDIA A100-SXM4-40GB, 37, 1234, 40960, 52, 78.12
// A field the GPU or driver cannot report reads "[N/A]" or "[Not Supported]" (MIG mode, some consumer and
// virtual GPUs, containers without permission); those become null, never 0.
import { execFile } from 'node:child_process';

export const NVIDIA_SMI_FIELDS = [
  'index',
  'uuid',
  'name',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'power.draw',
] as const;

export const NVIDIA_SMI_ARGS: readonly string[] = [
  `--query-gpu=${NVIDIA_SMI_FIELDS.join(',')}`,
  '--format=csv,noheader,nounits',
];

export interface GpuSample {
  index: number;
  uuid: string;
  name: string;
  /** Percent of time a kernel ran over the driver's last sample period; null when not reported (e.g. MIG). */
  utilizationPercent: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  temperatureC: number | null;
  powerDrawW: number | null;
}

const MIB = 1024 * 1024;

/** A numeric field, or null for "[N/A]", "[Not Supported]", "[Unknown Error]" and anything else non-numeric. */
function num(field: string): number | null {
  const s = field.trim();
  if (s === '' || !/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return null;
  return Number(s);
}

/**
 * Parses `nvidia-smi --query-gpu=<NVIDIA_SMI_FIELDS> --format=csv,noheader,nounits` output. Blank lines and
 * lines that are not a GPU row (e.g. "No devices were found") are skipped; empty output gives [].
 */
export function parseNvidiaSmiCsv(text: string): GpuSample[] {
  const n = NVIDIA_SMI_FIELDS.length;
  const out: GpuSample[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    let parts = line.split(',').map((p) => p.trim());
    if (parts.length < n) continue;
    // nvidia-smi does not quote: a comma inside the name would add fields, so the name takes the surplus.
    if (parts.length > n) {
      const extra = parts.length - n;
      parts = [...parts.slice(0, 2), parts.slice(2, 3 + extra).join(', '), ...parts.slice(3 + extra)];
    }
    const index = num(parts[0]);
    if (index === null || !Number.isInteger(index)) continue;
    const used = num(parts[4]);
    const total = num(parts[5]);
    out.push({
      index,
      uuid: parts[1],
      name: parts[2],
      utilizationPercent: num(parts[3]),
      memoryUsedBytes: used === null ? null : used * MIB,
      memoryTotalBytes: total === null ? null : total * MIB,
      temperatureC: num(parts[6]),
      powerDrawW: num(parts[7]),
    });
  }
  return out;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a program and resolves with its output; rejects like child_process.execFile does: `code` is 'ENOENT'
 * when the program is absent, a number for a non-zero exit, and `killed` is true after the time limit.
 */
export type ExecFn = (
  file: string,
  args: readonly string[],
  opts: { timeoutMs: number },
) => Promise<ExecResult>;

export const execFileText: ExecFn = (file, args, opts) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { timeout: opts.timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8', maxBuffer: 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(Object.assign(err, { stdout, stderr }));
        else resolve({ stdout, stderr });
      },
    );
  });

/** nvidia-smi is there but did not answer: driver not loaded, GPU fallen off the bus, hung past the limit. */
export class NvidiaSmiError extends Error {
  override readonly name = 'NvidiaSmiError';
}

export interface SampleGpusOptions {
  /** The program to run; default 'nvidia-smi' on PATH. */
  binary?: string;
  /** nvidia-smi can hang for seconds when a GPU misbehaves; default 5000 ms. */
  timeoutMs?: number;
}

/**
 * One sample of every GPU nvidia-smi sees. Resolves null when nvidia-smi is not installed (no NVIDIA GPU
 * here), [] when it finds no device, and rejects with NvidiaSmiError when it is installed but fails or
 * exceeds the time limit, so that a broken driver is reported rather than mistaken for "no GPU".
 */
export async function sampleGpus(
  run: ExecFn = execFileText,
  opts: SampleGpusOptions = {},
): Promise<GpuSample[] | null> {
  const binary = opts.binary ?? 'nvidia-smi';
  const timeoutMs = opts.timeoutMs ?? 5000;
  let result: ExecResult;
  try {
    result = await run(binary, NVIDIA_SMI_ARGS, { timeoutMs });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string; killed?: boolean };
    if (err.code === 'ENOENT') return null;
    const said = `${err.stdout ?? ''}\n${err.stderr ?? ''}`.trim();
    // nvidia-smi exits 6 with this message on a machine whose driver is loaded but has no GPU.
    if (/No devices were found/i.test(said)) return [];
    if (err.killed) throw new NvidiaSmiError(`${binary} did not answer within ${timeoutMs} ms`);
    const tail = said.split('\n').slice(-3).join(' ').slice(0, 500);
    throw new NvidiaSmiError(
      `${binary} failed (exit ${String(err.code ?? err.message)})${tail ? `: ${tail}` : ''}`,
    );
  }
  return parseNvidiaSmiCsv(result.stdout);
}
