import * as grpc from '@grpc/grpc-js';
import type { Refusal, RefusalCode } from './api-result.js';

/**
 * The metadata key a refusal travels under, next to its gRPC status: its {@link RefusalCode}.
 * A client tells a refusal by the cluster (present) from a failure to reach the agent at all
 * (absent, e.g. UNAVAILABLE from a refused connection).
 */
export const REFUSAL_METADATA_KEY = 'quorate-refusal';

const STATUS_OF: Record<RefusalCode, grpc.status> = {
  'invalid-argument': grpc.status.INVALID_ARGUMENT,
  'not-found': grpc.status.NOT_FOUND,
  'failed-precondition': grpc.status.FAILED_PRECONDITION,
  unavailable: grpc.status.UNAVAILABLE,
  timeout: grpc.status.DEADLINE_EXCEEDED,
  internal: grpc.status.INTERNAL,
};

const CODES = new Set<string>(Object.keys(STATUS_OF));

/** The gRPC status for a refusal code (proto/cluster.proto lists the mapping). */
export function grpcStatusOf(code: RefusalCode): grpc.status {
  return STATUS_OF[code];
}

/** A refusal as a gRPC error for a server callback or `call.destroy`. */
export function refusalToServiceError(refusal: Refusal): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set(REFUSAL_METADATA_KEY, refusal.code);
  return { code: grpcStatusOf(refusal.code), details: refusal.message, metadata };
}

/** The refusal code carried by an error's metadata, or null when it carries none. */
export function refusalCodeOf(err: { metadata?: grpc.Metadata }): RefusalCode | null {
  const value = err.metadata?.get(REFUSAL_METADATA_KEY)[0];
  return typeof value === 'string' && CODES.has(value) ? (value as RefusalCode) : null;
}

/**
 * The refusal for a failed call to another agent: the remote refusal as it was made, or,
 * when the call never got an answer from the agent (connection refused, deadline), an
 * `unavailable` (`timeout` for a deadline) saying who did not answer.
 */
export function refusalFromServiceError(err: grpc.ServiceError, who: string): Refusal {
  const code = refusalCodeOf(err);
  if (code !== null) return { code, message: err.details };
  if (err.code === grpc.status.DEADLINE_EXCEEDED)
    return { code: 'timeout', message: `${who} did not answer in time` };
  return { code: 'unavailable', message: `${who} did not answer (${err.details})` };
}
