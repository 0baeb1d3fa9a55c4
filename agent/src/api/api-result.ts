import { QuorateError } from '../errors.js';

/**
 * Why the admin API did not do what it was asked. The closed set maps one to one onto gRPC
 * status codes (admin-service.ts) and clusterctl exit codes; handlers return refusals as
 * values and only the gRPC edge turns them into statuses.
 *
 * - `invalid-argument`: the request itself is wrong (a malformed name, an invalid file);
 * - `not-found`: no such resource, group, clone or node;
 * - `failed-precondition`: well-formed, but the cluster cannot do it in its present state;
 * - `unavailable`: no leader, no quorum, or the leader could not be reached; retry;
 * - `timeout`: not confirmed in time; a write may still take effect;
 * - `internal`: a bug; the message says what broke.
 */
export type RefusalCode =
  'invalid-argument' | 'not-found' | 'failed-precondition' | 'unavailable' | 'timeout' | 'internal';

/** A refusal: its code and a message that says what happened and what to do. */
export interface Refusal {
  code: RefusalCode;
  message: string;
}

/** What an admin handler returns: the reply, or a refusal. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

/** A successful result. */
export function okResult<T>(value: T): ApiResult<T> {
  return { ok: true, value };
}

/** A refusal result. */
export function refuse<T>(code: RefusalCode, message: string): ApiResult<T> {
  return { ok: false, refusal: { code, message } };
}

/**
 * The refusal for an error thrown by the layers below (the Raft driver throws
 * {@link QuorateError}s for expected failures: no leader, timeouts, shutdown). Anything else
 * is a bug and becomes `internal`.
 */
export function refusalFromError(err: unknown): Refusal {
  if (err instanceof QuorateError) {
    switch (err.code) {
      case 'no-leader':
      case 'not-leader':
      case 'stopped':
      case 'refused':
        return { code: 'unavailable', message: err.message };
      case 'timeout':
        return { code: 'timeout', message: err.message };
      case 'invalid-argument':
        return { code: 'invalid-argument', message: err.message };
    }
  }
  return {
    code: 'internal',
    message: `internal error: ${err instanceof Error ? err.message : String(err)}`,
  };
}
