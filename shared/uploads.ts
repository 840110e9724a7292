/** The largest code archive sent (`code.upload`): its base64 (4/3 of it) and the JSON around it must fit the
 *  server's request limit (8 MiB, AXON_MAX_BODY_BYTES). The CLI lets AXON_UPLOAD_MAX_BYTES lower it. */
export const UPLOAD_MAX_BYTES = 6 * 1024 * 1024 - 4096;

/** The upload a run's code folder is, when it was sent with the run (the engine keeps it in
 *  AXON_HOME/uploads/<user id>/<sha256>, engine/code/uploads.ts): its id, else null. */
export function uploadOf(codePath: string): string | null {
  return /[\\/]uploads[\\/]\d+[\\/]([0-9a-f]{64})$/.exec(codePath)?.[1] ?? null;
}
