import { append, type WorkModel } from './working-model.js';

/**
 * Expire failures: a failure count stops counting towards migration-threshold once
 * `failureTimeoutMs` (if non-zero) has passed since its last failure, measured against the
 * input clock `nowMs`. A count without a time never expires; with on-fail=ignore failures
 * never count. Only the count expires: an instance still recorded as failed is still stopped
 * before it starts again.
 */
export function expireFailures(model: WorkModel): void {
  for (const instance of model.instances) {
    if (instance.rawFailures.length === 0 || instance.meta.onFail === 'ignore') continue;
    const timeoutMs = instance.meta.failureTimeoutMs;
    for (const failure of instance.rawFailures) {
      const expired =
        timeoutMs > 0 &&
        failure.lastFailureMs !== null &&
        model.nowMs - failure.lastFailureMs >= timeoutMs;
      if (!expired) instance.failures = append(instance.failures, failure);
    }
  }
}
