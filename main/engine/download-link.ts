// The signature of a download link (shared/download.ts): made by `experiments.downloadLink` for a caller allowed
// to read the run, checked by the HTTP server's download route. The key is the home's secret that also signs run
// tokens (AXON_HOME/run-token.key, 0600); the signed message starts with "axon-download", a run token's with
// "run:", so neither can stand for the other.
import { createHmac } from 'node:crypto';
import { downloadMessage } from '../../shared/download';
import { runTokenKey } from './auth/run-token';

export function downloadKey(home: string): string {
  return runTokenKey(home);
}

export function signDownload(key: string, id: number, file: string, expires: number): string {
  return createHmac('sha256', key)
    .update(downloadMessage(id, file, expires))
    .digest('hex');
}
