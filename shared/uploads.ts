/** The largest code archive sent (`code.upload`): its base64 (4/3 of it) and the JSON around it must fit the
 *  server's request limit (8 MiB, AXON_MAX_BODY_BYTES). The CLI lets AXON_UPLOAD_MAX_BYTES lower it. */
export const UPLOAD_MAX_BYTES = 6 * 1024 * 1024 - 4096;
