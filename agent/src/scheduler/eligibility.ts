import type { WorkModel } from './working-model.js';

/**
 * Node eligibility: which nodes may be given resources. A node is eligible when it is online,
 * clean, not in maintenance and not in standby. A failure of an instance with
 * on-fail=standby puts its node in standby for this plan (Pacemaker's on-fail=standby), so
 * everything moves off it. Ineligible nodes get a reason in words for explanations.
 *
 * Standby nodes stay actionable (their resources are stopped there); maintenance, offline and
 * unclean nodes get no actions at all.
 */
export function markEligibility(model: WorkModel): void {
  const standbyBecause = new Map<number, string>();
  for (const instance of model.instances) {
    if (instance.meta.onFail !== 'standby') continue;
    for (const node of instance.failedOn) {
      if (!standbyBecause.has(node)) standbyBecause.set(node, instance.id);
    }
  }
  for (const node of model.nodes) {
    const status = node.status;
    let why = '';
    if (status.unclean) why = `${node.id} is unclean (not yet fenced, lease may be valid)`;
    else if (!status.online) why = `${node.id} is offline`;
    else if (status.maintenance) why = `${node.id} is in maintenance`;
    else if (status.standby) why = `${node.id} is in standby`;
    else if (standbyBecause.has(node.index)) {
      why = `${node.id} is in standby: ${standbyBecause.get(node.index)} failed there (on-fail=standby)`;
    }
    node.eligible = why === '';
    node.ineligibleWhy = why;
  }
}
