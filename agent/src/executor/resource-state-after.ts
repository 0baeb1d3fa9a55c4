import type { ResourceState } from '../scheduler/types.js';
import type { OperationAction, OperationOutcome } from './operation-result.js';

/**
 * The state a resource is in on this node after an operation, for the cluster's record
 * (Pacemaker's lrm history), or null when the operation says nothing about it (meta-data,
 * validate-all, a cancelled monitor or probe). A failed start, monitor or probe is `failed`:
 * it may be partly running and must be stopped before it starts anywhere.
 */
export function resourceStateAfter(
  action: OperationAction,
  outcome: OperationOutcome,
): ResourceState | null {
  if (action === 'meta-data' || action === 'validate-all') return null;
  switch (outcome.kind) {
    case 'started':
    case 'running':
      return 'started';
    case 'stopped':
    case 'not-running':
      return 'stopped';
    case 'failed':
      return 'failed';
    case 'stop-failed':
      return 'stop-failed';
    case 'succeeded':
    case 'cancelled':
      return null;
  }
}
