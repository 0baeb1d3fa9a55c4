import { STATE_FAILED, type WorkModel } from './working-model.js';

/**
 * Which instances may run at all, before any node is considered: not with target-role
 * stopped (set on the primitive or on its group or clone), not after a failure with
 * on-fail=stop (Pacemaker: stop it and do not start it elsewhere; it stays stopped while the
 * failure is on record, i.e. until cleanup or failure-timeout), and never an orphan.
 */
export function markRunnability(model: WorkModel): void {
  for (const instance of model.instances) {
    if (instance.unit === null) {
      instance.notRunnableWhy =
        instance.def !== null && instance.id !== instance.primitiveId
          ? 'no longer configured: beyond the size of its clone'
          : 'no longer configured';
    } else if (instance.meta.targetRole === 'stopped') {
      instance.notRunnableWhy = 'target-role is stopped';
    } else if (instance.meta.onFail === 'stop') {
      const failedSomewhere =
        instance.failures.length > 0 || instance.states.some((code) => code === STATE_FAILED);
      if (failedSomewhere) {
        instance.notRunnableWhy =
          'failed with on-fail=stop: stays stopped until the failure is cleaned up';
      }
    }
  }
}
