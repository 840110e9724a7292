import type { AxonApi } from '../../../shared/api';

/** Runs a command body against the engine; the returned number (if any) is the exit code.
 *  `keepEngine` marks a long command: its in-process engine also serves the API meanwhile. */
export type Runner = (
  body: (api: AxonApi) => Promise<number | void>,
  opts?: { keepEngine?: boolean },
) => Promise<void>;
