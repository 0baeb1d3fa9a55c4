/**
 * A fence device: one program that can power a node off (an IPMI BMC, a PDU outlet, a
 * hypervisor's API), with the parameters it needs. Plain, JSON-serialisable data, so it can
 * live in the configuration and the Raft log like every other part of the model.
 */
export interface FenceDevice {
  /** Unique among the devices; named by fencing levels and shown in every attempt. */
  id: string;
  /**
   * The agent program: either an executable name (`fence_ipmilan`), looked up in the
   * configured directories (default /usr/sbin, then the project's fence-agents/ folder), or
   * an absolute path. A bare name is one plain path component, so a configuration can never
   * point the fencer at an arbitrary program through `../`.
   */
  agent: string;
  /**
   * Device options, passed on the agent's stdin as `key=value` lines in this order (`ipaddr`,
   * `login`, `passwd`, `lanplus`, ...). Secret ones (secret-params.ts) never appear in a log,
   * a result or an error. `action`, `plug` and `port` are set by the fencer and may not appear.
   */
  params: Record<string, string>;
  /**
   * Which plug (outlet, port, VM name) of this device fences which node. The device can
   * fence exactly the nodes listed. An empty plug means the device addresses the node by
   * itself (one BMC per node, as with fence_ipmilan), and no `plug=` line is sent.
   */
  hostMap: Record<string, string>;
  /** Each action (off, status, on, ...) is killed, with its process group, after this long. */
  timeoutMs: number;
  /**
   * What confirms the node off after `off` succeeded. `status` (the default): ask the agent
   * for `status` until it reports off (fenceNode). `agent`: the agent's own success, for
   * agents that verify before they exit 0, as every agent of the fence-agents project does
   * (its library polls the power status after off until it reads off or `power_timeout`
   * passes; Pacemaker relies on exactly that). It saves one agent run on the failover path.
   */
  verify?: FenceVerify;
  /**
   * Further parameter names to treat as secret, beyond those recognised by name
   * (`passwd`, `password`, `key`, `*_passwd`, ...).
   */
  secretParams?: string[];
}

/** What confirms a fence: a separate `status` check, or the agent's own verified `off`. */
export type FenceVerify = 'status' | 'agent';

/**
 * One level of a node's fencing topology (Pacemaker's fencing-level): every listed device must
 * succeed for the level to succeed, e.g. both PDUs feeding a dual-PSU server. Levels are tried
 * in ascending `index` order until one succeeds.
 */
export interface FenceLevel {
  /** Order among the node's levels (lowest first; Pacemaker uses 1..9). */
  index: number;
  /** Device ids, all of which must confirm the node off. */
  devices: string[];
}

/**
 * The fencing topology: the levels of each node. A node without an entry is fenced by every
 * device whose `hostMap` names it, each device a level of its own, in device order.
 */
export type FenceTopology = Record<string, FenceLevel[]>;
