import type { OperationRequest, OperationResult } from './operation-result.js';
import { runOperation } from './run-operation.js';
import type { RunOperationOptions } from './run-operation-options.js';

/** What the resource manager needs of a result. A full OperationResult is one. */
export type ExecutorResult = Pick<
  OperationResult,
  'status' | 'rc' | 'outcome' | 'reason' | 'durationMs'
>;

/**
 * How the resource manager runs one operation: the narrow seam between scheduling (which
 * operation when) and execution (processes). Aborting `signal` must end the operation soon
 * with status `cancelled` (or its mapped failure). Should never reject; the manager turns a
 * rejection into status `error` all the same.
 */
export type OperationExecutor = (
  request: OperationRequest,
  signal: AbortSignal,
) => Promise<ExecutorResult>;

/** The real executor: runOperation with fixed node-wide options (roots, grace, bounds). */
export function createOperationExecutor(
  options: Omit<RunOperationOptions, 'signal'> = {},
): OperationExecutor {
  return (request, signal) => runOperation(request, { ...options, signal });
}
