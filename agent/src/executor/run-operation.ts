import { runOcfOperation } from './ocf-operation.js';
import { resultWithoutProcess } from './operation-result-builder.js';
import type { OperationRequest, OperationResult } from './operation-result.js';
import { TIMER_DELAY_MS_MAX } from './process-group-run.js';
import { resolveRunOperationOptions, type RunOperationOptions } from './run-operation-options.js';
import { runSystemdOperation } from './systemd-operation.js';

/**
 * Run one operation (start, stop, monitor, probe, meta-data, validate-all) of one resource
 * on this node, and say what happened. OCF agents run with exactly the environment OCF
 * prescribes (ocf-environment.ts), systemd units through systemctl (systemd-operation.ts);
 * both in their own process group, killed as a group (TERM, then KILL after a grace) when the
 * operation's timeout passes or `options.signal` aborts.
 *
 * Never rejects and never throws: a missing agent, an invalid request, a spawn failure, a
 * timeout are all results (`status`), kept apart from what the agent answered (`rc`), and
 * folded into an `outcome` for the caller (map-outcome.ts). Not serialised: the caller
 * (resource-manager.ts) makes sure no two operations of one resource overlap.
 */
export async function runOperation(
  request: OperationRequest,
  options: RunOperationOptions = {},
): Promise<OperationResult> {
  const invalid = checkRequest(request);
  if (invalid !== null) return resultWithoutProcess(request, 'error', invalid);
  const resolved = resolveRunOperationOptions(options);
  if (resolved.signal?.aborted) {
    return resultWithoutProcess(
      request,
      'cancelled',
      `${request.action} of ${request.resource.id} was cancelled before it began`,
    );
  }
  try {
    const agent = request.resource.agent;
    return agent.class === 'systemd'
      ? await runSystemdOperation(request, agent.type, resolved)
      : await runOcfOperation(request, agent.provider, agent.type, resolved);
  } catch (error) {
    // Not expected (every known failure is a value below); a result all the same.
    return resultWithoutProcess(
      request,
      'error',
      `${request.action} of ${request.resource.id} failed unexpectedly: ${String(error)}`,
    );
  }
}

function checkRequest(request: OperationRequest): string | null {
  const { timeoutMs, intervalMs } = request;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= TIMER_DELAY_MS_MAX)) {
    return `timeoutMs must be in (0, ${TIMER_DELAY_MS_MAX}], got ${timeoutMs}`;
  }
  if (!(Number.isFinite(intervalMs) && intervalMs >= 0)) {
    return `intervalMs must be a non-negative number, got ${intervalMs}`;
  }
  return null;
}
