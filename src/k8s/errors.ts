import type { Status } from './types.js';

/** An error the API server answered with: HTTP code, Status reason and message, and the request it answered. */
export class ApiError extends Error {
  /** HTTP status code, e.g. 404. */
  readonly code: number;
  /** The Status reason, e.g. `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, `Expired`. */
  readonly reason: string;
  /** The full Status body, when the server sent one. */
  readonly status: Status | undefined;

  constructor(method: string, path: string, code: number, status: Status | undefined, body: string) {
    const reason = status?.reason ?? httpReason(code);
    const detail = status?.message ?? body.slice(0, 500);
    super(`${method} ${path}: ${code} ${reason}: ${detail}`);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.status = status;
  }
}

/** Whether `err` is an ApiError with the given HTTP code. */
export function isApiError(err: unknown, code?: number): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

/** True for 404 Not Found. */
export const isNotFound = (err: unknown): boolean => isApiError(err, 404);
/** True for 409 AlreadyExists or Conflict. */
export const isConflict = (err: unknown): boolean => isApiError(err, 409);
/** True for 410 Gone (an expired resourceVersion). */
export const isGone = (err: unknown): boolean => isApiError(err, 410);

function httpReason(code: number): string {
  switch (code) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 409: return 'Conflict';
    case 410: return 'Expired';
    case 422: return 'Invalid';
    case 429: return 'TooManyRequests';
    default: return code >= 500 ? 'InternalError' : 'Unknown';
  }
}
