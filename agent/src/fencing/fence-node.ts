import type { FenceMode } from './fence-action.js';
import type { FenceDevice, FenceLevel, FenceTopology } from './fence-device.js';
import { attemptFromResult, type FenceAttempt, type FenceOutcome } from './fence-outcome.js';
import { resolveFenceRunOptions, type FenceRunOptions } from './fence-run-options.js';
import { runFenceAction } from './run-fence-action.js';
import { SingleFlight } from './single-flight.js';

/** How a node is fenced, on top of how agents are run. */
export interface FenceNodeOptions extends FenceRunOptions {
  /** `off` (default) or `reboot` (off, verified, then on; see FenceMode). */
  mode?: FenceMode;
  /**
   * How many times `status` is asked, per device, for the node to report off after `off`
   * succeeded (a PDU may take a moment to report the outlet off). At least 1.
   */
  verifyAttempts?: number;
  /** Pause between two `status` checks of one device. */
  verifyIntervalMs?: number;
}

/** Defaults: five checks a second apart bound verification to about five seconds plus runs. */
export const FENCE_NODE_DEFAULTS = {
  mode: 'off',
  verifyAttempts: 5,
  verifyIntervalMs: 1_000,
} as const;

// Process-wide: there is one physical node per name, whoever asks to fence it.
const fencingInFlight = new SingleFlight<FenceOutcome>();

/** Whether a fencing operation for `node` is running in this process. */
export function isFencingInProgress(node: string): boolean {
  return fencingInFlight.has(node);
}

/**
 * The levels that fence `node`, in the order they are tried: its topology levels by ascending
 * index (equal indexes keep their configured order), or, when it has none, one level per device
 * whose host map names it, in device order (numbered from 1).
 */
export function levelsForNode(
  node: string,
  topology: FenceTopology,
  devices: readonly FenceDevice[],
): FenceLevel[] {
  const configured = Object.hasOwn(topology, node) ? (topology[node] ?? []) : [];
  if (configured.length > 0) return [...configured].sort((a, b) => a.index - b.index);
  return devices
    .filter((device) => Object.hasOwn(device.hostMap, node))
    .map((device, i) => ({ index: i + 1, devices: [device.id] }));
}

/**
 * Fence `node`: try its levels in order (levelsForNode) until one succeeds. Within a level,
 * every device must power the node off (`off`, one device after the other, as listed), and
 * then every device must report it off through `status`, asked up to `verifyAttempts` times
 * (except a device with `verify: 'agent'`, whose agent verified before its `off` succeeded): a
 * fence that cannot be verified is a failure. The first failing device fails its level and the
 * next level is tried; fencing fails when every level has failed. In `reboot` mode a verified
 * level then powers the node on again through the same devices; a failed `on` is recorded but
 * does not undo the fence.
 *
 * At most one operation per node runs at a time in this process: a call for a node that is
 * being fenced joins the running operation and gets its outcome (whatever topology and options
 * it was started with). Different nodes are fenced in parallel.
 *
 * Never rejects: the outcome lists every agent run, with the reason of each failure, secrets
 * redacted.
 */
export function fenceNode(
  node: string,
  topology: FenceTopology,
  devices: readonly FenceDevice[],
  options: FenceNodeOptions = {},
): Promise<FenceOutcome> {
  return fencingInFlight.run(node, () =>
    fenceNodeNow(node, topology, devices, options).catch((error: unknown): FenceOutcome => ({
      node,
      ok: false,
      mode: options.mode ?? FENCE_NODE_DEFAULTS.mode,
      level: null,
      reason: `fencing node ${node} failed unexpectedly: ${String(error)}`,
      attempts: [],
      durationMs: 0,
    })),
  ).promise;
}

async function fenceNodeNow(
  node: string,
  topology: FenceTopology,
  devices: readonly FenceDevice[],
  options: FenceNodeOptions,
): Promise<FenceOutcome> {
  const startedMs = performance.now();
  const mode = options.mode ?? FENCE_NODE_DEFAULTS.mode;
  const verifyAttempts = Math.max(
    1,
    Math.floor(options.verifyAttempts ?? FENCE_NODE_DEFAULTS.verifyAttempts),
  );
  const verifyIntervalMs = Math.max(
    0,
    options.verifyIntervalMs ?? FENCE_NODE_DEFAULTS.verifyIntervalMs,
  );
  const { logger } = resolveFenceRunOptions(options);
  const attempts: FenceAttempt[] = [];
  const outcome = (ok: boolean, level: number | null, reason: string): FenceOutcome => ({
    node,
    ok,
    mode,
    level,
    reason,
    attempts,
    durationMs: performance.now() - startedMs,
  });

  const levels = levelsForNode(node, topology, devices);
  if (levels.length === 0) {
    const result = outcome(false, null, `no fence device can fence node ${node}`);
    logger.warn({ target: node, reason: result.reason }, 'fencing failed');
    return result;
  }
  const byId = new Map(devices.map((device) => [device.id, device]));
  const failures: string[] = [];
  for (const level of levels) {
    const failure = await tryLevel(level);
    if (failure === null) {
      if (mode === 'reboot') await powerOn(level);
      const names = level.devices.join(', ');
      const result = outcome(
        true,
        level.index,
        `node ${node} confirmed off by level ${level.index} (${names})`,
      );
      logger.info(
        {
          target: node,
          level: level.index,
          devices: level.devices,
          mode,
          attempts: attempts.length,
        },
        'node fenced',
      );
      return result;
    }
    failures.push(`level ${level.index}: ${failure}`);
    logger.warn({ target: node, level: level.index, reason: failure }, 'fencing level failed');
  }
  const result = outcome(
    false,
    null,
    `every fencing level failed for node ${node}: ${failures.join('; ')}`,
  );
  logger.warn({ target: node, reason: result.reason }, 'fencing failed');
  return result;

  /** Null when the level powered the node off and verified it; otherwise why not. */
  async function tryLevel(level: FenceLevel): Promise<string | null> {
    if (level.devices.length === 0) return 'the level lists no device';
    const levelDevices: FenceDevice[] = [];
    for (const id of level.devices) {
      const device = byId.get(id);
      if (device === undefined) return `unknown fence device ${id}`;
      levelDevices.push(device);
    }
    for (const device of levelDevices) {
      const result = await runFenceAction(device, 'off', node, options);
      attempts.push(attemptFromResult(level.index, result));
      if (result.answer !== 'succeeded') return result.reason ?? `off on ${device.id} failed`;
    }
    for (const device of levelDevices) {
      if (device.verify === 'agent') continue; // its `off` succeeded only once it read off
      const failure = await verifyOff(level.index, device);
      if (failure !== null) return failure;
    }
    return null;
  }

  /** Null once `device` reports the node off; otherwise why it never did. */
  async function verifyOff(levelIndex: number, device: FenceDevice): Promise<string | null> {
    let last = '';
    for (let check = 1; check <= verifyAttempts; check += 1) {
      if (check > 1 && verifyIntervalMs > 0) await pause(verifyIntervalMs);
      const result = await runFenceAction(device, 'status', node, options);
      attempts.push(attemptFromResult(levelIndex, result));
      if (result.answer === 'off') return null;
      last =
        result.answer === 'on'
          ? 'it still reports the node on'
          : (result.reason ?? 'status failed');
    }
    return `device ${device.id} did not confirm node ${node} off after off succeeded (${verifyAttempts} status checks; last: ${last})`;
  }

  /** Reboot mode: power the node on again through the level's devices (best effort). */
  async function powerOn(level: FenceLevel): Promise<void> {
    for (const id of level.devices) {
      const device = byId.get(id);
      if (device === undefined) continue;
      const result = await runFenceAction(device, 'on', node, options);
      attempts.push(attemptFromResult(level.index, result));
    }
  }
}

function pause(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}
