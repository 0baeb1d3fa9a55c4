/**
 * The actions of the fence-agents stdin protocol (ClusterLabs fence-agents, e.g.
 * fence_ipmilan): `off`, `on` and `reboot` change a node's power; `status` reports it (exit 0
 * on, 2 off); `monitor` checks the device itself; `list` names its plugs; `metadata` prints
 * the agent's XML description.
 */
export type FenceAction = 'off' | 'on' | 'reboot' | 'status' | 'monitor' | 'list' | 'metadata';

/** Every fence action, for validation. */
export const FENCE_ACTIONS: readonly FenceAction[] = [
  'off',
  'on',
  'reboot',
  'status',
  'monitor',
  'list',
  'metadata',
];

/** Whether the action is about one node (and so is sent with that node's plug). */
export function actionTargetsNode(action: FenceAction): boolean {
  return action === 'off' || action === 'on' || action === 'reboot' || action === 'status';
}

/**
 * How a node is fenced. `off` (the default) powers it off and leaves it off: for a cluster
 * manager, a node that stays off cannot come back half-broken and race its replacement.
 * `reboot` powers it off, verifies it is off, then powers it on again (best effort): the
 * agent's own `reboot` action is not used, because afterwards `status` cannot tell a node that
 * was rebooted from one that never went down.
 */
export type FenceMode = 'off' | 'reboot';
