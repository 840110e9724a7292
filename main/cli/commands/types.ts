import type { AxonApi } from '../../../shared/api';
import type { Reconnect } from './run';

/** Runs a command body against the engine; the returned number (if any) is the exit code.
 *  `work` marks a command that starts or follows work: without a serving engine it starts a background one
 *  (or, with AXON_NO_BACKGROUND=1, its in-process engine serves the API meanwhile). `reconnect` replaces a
 *  connection whose engine went away; `url` is the address of the engine answering over HTTP, if one does. */
export type Runner = (
  body: (api: AxonApi, ctx: { reconnect?: Reconnect; url?: string }) => Promise<number | void>,
  opts?: { work?: boolean; kube?: boolean },
) => Promise<void>;
