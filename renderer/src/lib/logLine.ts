// One log line as the log viewer shows it. A progress bar rewrites its line with \r: the viewer shows what a
// terminal would show last. A metric record printed right after a bar lands on the bar's line (tqdm writes
// `\r<bar>` to stderr, which shares the log with stdout); the engine reads the record there
// (main/engine/tracking/protocol.ts, protocolStart), and the viewer shows the bar without it.
export const TRACKING_PREFIX = '@@axon ';

export function displayLine(raw: string): { line: string; protocol: boolean } {
  if (!raw.includes('\r')) return { line: raw, protocol: raw.startsWith(TRACKING_PREFIX) };
  let line = lastSegment(raw);
  const at = line.indexOf(TRACKING_PREFIX);
  if (at > 0) line = line.slice(0, at);
  return { line, protocol: at === 0 };
}

function lastSegment(raw: string): string {
  const segs = raw.split('\r');
  for (let i = segs.length - 1; i >= 0; i--) if (segs[i]) return segs[i];
  return '';
}
