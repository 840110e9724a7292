// The parts of the contract a client needs without the schemas (zod): the error every transport carries and
// the event names. The CLI talking to a serving engine loads only these (its start time, bench/cli-start.ts).
import type { EventName } from './api';

export const EVENT_NAMES: readonly EventName[] = [
  'experiments.changed',
  'groups.changed',
  'logs.appended',
  'metrics.appended',
  'resources.sampled',
];

/** Errors cross every transport as this shape, never as stack traces. */
export interface ApiErrorShape {
  code:
    | 'invalid_input'
    | 'not_found'
    | 'conflict'
    | 'invalid_spec'
    | 'unavailable'
    | 'internal'
    // A shared engine (axon serve --auth): no or an invalid identity, not allowed, too many login failures.
    | 'unauthorized'
    | 'forbidden'
    | 'rate_limited';
  message: string;
  details?: unknown;
}

export class ApiError extends Error implements ApiErrorShape {
  constructor(
    public code: ApiErrorShape['code'],
    message: string,
    public details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  toJSON(): ApiErrorShape {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  // A zod validation error (recognised by its shape: zod itself is not loaded here).
  if (isZodError(e)) {
    const first = e.issues[0];
    return new ApiError(
      'invalid_input',
      `${first.path.join('.') || 'input'}: ${first.message}`,
      e.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  if (
    e &&
    typeof e === 'object' &&
    'code' in e &&
    'message' in e &&
    typeof (e as { code: unknown }).code === 'string'
  ) {
    const o = e as ApiErrorShape;
    if (
      [
        'invalid_input',
        'not_found',
        'conflict',
        'invalid_spec',
        'unavailable',
        'internal',
        'unauthorized',
        'forbidden',
        'rate_limited',
      ].includes(o.code)
    )
      return new ApiError(o.code, o.message, o.details);
  }
  return new ApiError('internal', e instanceof Error ? e.message : String(e));
}

function isZodError(e: unknown): e is { issues: Array<{ path: Array<string | number>; message: string }> } {
  const issues = e instanceof Error && e.name === 'ZodError' ? (e as { issues?: unknown }).issues : null;
  return Array.isArray(issues) && issues.length > 0;
}
