/** What the leader knows about one node when it decides whether to fence it. */
export interface FencePolicyInput {
  /** `properties.fencing` of the configuration. */
  fencingEnabled: boolean;
  /**
   * Since when (leader clock) the node has not been `alive`: its last request plus the alive
   * window when the leader knows it, else the first round that saw it `suspect`; kept while it
   * stays `suspect` or becomes `down`. Null while it is alive.
   */
  suspectSinceMs: number | null;
  /** Whether the node has a `stop-failed` record: something may still run there. */
  stopFailedOnNode: boolean;
  /**
   * How long a node may be silent before it is fenced (default
   * {@link DEFAULT_SUSPECT_FENCE_DELAY_MS}). It rides out a short network blip; it is not a
   * safety bound (fencing a healthy node is safe, only disruptive).
   */
  suspectDelayMs?: number;
  /**
   * How long the node's agent had been up at its last renewal request before it fell silent
   * (null: unknown). Under {@link SETTLED_AFTER_MS} it gets at least
   * {@link JOINING_FENCE_DELAY_MS}.
   */
  upBeforeSilenceMs?: number | null;
}

/**
 * Default grace before a silent node is fenced: with the default renewal interval (100 ms) a
 * node turns `suspect` after 300 ms of silence, so it is fenced after about 1.3 s. That is far
 * sooner than the lease expiry once leases have to be long (a lease must outlast the longest
 * stop: a database that needs 20 s to stop needs a lease over 20 s).
 */
export const DEFAULT_SUSPECT_FENCE_DELAY_MS = 1_000;

/**
 * A node counts as settled once its agent has been up this long. One that falls silent
 * sooner has just booted or restarted: an agent that is still loading (or a host still
 * starting its services) stalls for a moment, and a short grace would power it off again as
 * it comes back.
 */
export const SETTLED_AFTER_MS = 2_000;

/** Least grace before fencing a node that was not yet settled when it fell silent. */
export const JOINING_FENCE_DELAY_MS = 1_000;

/**
 * The grace before a silent node is fenced: `suspectDelayMs` (default
 * {@link DEFAULT_SUSPECT_FENCE_DELAY_MS}), but at least {@link JOINING_FENCE_DELAY_MS} for a
 * node whose agent had been up for less than {@link SETTLED_AFTER_MS} (or an unknown time).
 */
export function fenceDelayMs(
  suspectDelayMs: number | undefined,
  upBeforeSilenceMs: number | null | undefined,
): number {
  const delayMs = suspectDelayMs ?? DEFAULT_SUSPECT_FENCE_DELAY_MS;
  const settled = upBeforeSilenceMs != null && upBeforeSilenceMs >= SETTLED_AFTER_MS;
  return settled ? delayMs : Math.max(delayMs, JOINING_FENCE_DELAY_MS);
}

/** Whether to fence a node now, and why (for logs and `clusterctl explain`). */
export type FenceDecision =
  | { fence: true; reason: 'stop-failed' | 'suspect'; detail: string }
  | {
      fence: false;
      reason: 'fencing-disabled' | 'alive' | 'suspect-briefly';
      detail: string;
    };

/**
 * The leader's fencing policy (pure). Fence when fencing is enabled and either
 * - the node has a `stop-failed` record: a stop that failed may have left the resource running,
 *   nothing may start it elsewhere, and no amount of waiting proves otherwise (the node may be
 *   alive and the stop simply stuck), so fencing is the only way forward; or
 * - the node has not been alive for at least its grace ({@link fenceDelayMs}: `suspectDelayMs`,
 *   longer for a node that had only just come up).
 *
 * Why fencing a suspect node early is what makes the fast profile fast: without a fence device
 * the leader may move a silent node's resources only once the node's lease has *surely* run out
 * (`expiryWait` after its last request, docs/safety.md), and the lease must outlast the node's
 * longest stop (a database that takes 20 s to stop needs a lease over 20 s). With fencing
 * enabled, a node must be confirmed off before its resources move, and the confirmed fence proves
 * at once what the lease expiry proves only by waiting: the node runs nothing. So the leader
 * does not wait for the lease: it fences once the node has been silent for `suspectDelayMs`, and
 * `decide()` moves the resources as soon as the fence is verified. Failover then takes the delay
 * plus the device's off-and-status time, whatever the lease length. Fencing also covers what a
 * lease cannot: an agent paused with its resources still running, and a stop that failed.
 *
 * With fencing disabled it never fences (and a `stop-failed` record then blocks the resource
 * until an operator clears it).
 */
export function shouldFence(node: string, nowMs: number, input: FencePolicyInput): FenceDecision {
  if (!input.fencingEnabled) {
    return { fence: false, reason: 'fencing-disabled', detail: 'fencing is disabled' };
  }
  if (input.stopFailedOnNode) {
    return {
      fence: true,
      reason: 'stop-failed',
      detail: `a stop failed on node ${node}: only fencing makes its resources safe to move`,
    };
  }
  if (input.suspectSinceMs === null) {
    return { fence: false, reason: 'alive', detail: `node ${node} is alive` };
  }
  const delayMs = fenceDelayMs(input.suspectDelayMs, input.upBeforeSilenceMs);
  const silentMs = Math.round(nowMs - input.suspectSinceMs);
  const joining =
    delayMs === (input.suspectDelayMs ?? DEFAULT_SUSPECT_FENCE_DELAY_MS)
      ? ''
      : ` (it had been up only ${input.upBeforeSilenceMs == null ? 'an unknown time' : `${Math.round(input.upBeforeSilenceMs)} ms`})`;
  if (silentMs >= delayMs) {
    return {
      fence: true,
      reason: 'suspect',
      detail: `node ${node} has been silent for ${silentMs} ms (fenced after ${delayMs} ms${joining})`,
    };
  }
  return {
    fence: false,
    reason: 'suspect-briefly',
    detail: `node ${node} has been silent for ${silentMs} ms; fenced after ${delayMs} ms${joining}`,
  };
}
