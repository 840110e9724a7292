// Limits on uploaded code and how sizes are written, in a module of their own so the CLI can use them without
// loading the unpacker.

/** What each user's uploads may take together, unpacked, unless `axon serve --upload-quota` says otherwise. */
export const UPLOAD_QUOTA_DEFAULT_MIB = 4096;

const MiB = 1024 * 1024;

/** A size for people: bytes, KiB or MiB with one decimal (whole MiB from 100 MiB). */
export const formatSize = (n: number): string =>
  n < 1024
    ? `${n} bytes`
    : n < MiB
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${(n / MiB).toFixed(n < 100 * MiB ? 1 : 0)} MiB`;
