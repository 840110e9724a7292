// Limits on uploaded code, in a module of their own so the CLI can name them without loading the unpacker.

/** What each user's uploads may take together, unpacked, unless `axon serve --upload-quota` says otherwise. */
export const UPLOAD_QUOTA_DEFAULT_MIB = 4096;
