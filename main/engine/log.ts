// The engine's own diagnostics (refused transitions, recovery), on stderr; quiet unless AXON_DEBUG or a warning.
export const log = {
  warn(msg: string): void {
    if (process.env.AXON_QUIET !== '1') process.stderr.write(`axon: ${msg}\n`);
  },
  debug(msg: string): void {
    if (process.env.AXON_DEBUG) process.stderr.write(`axon[debug]: ${msg}\n`);
  },
};
