import type { NodeId } from '../../../agent/src/raft/types.js';
import type { SimDisk } from '../sim-disk.js';
import type { SimRandom } from '../sim-random.js';
import type { HostClock } from './host-clock.js';
import type { HostResources } from './host-resources.js';
import { SimAgent, type AgentHost, type AgentWorld } from './sim-agent.js';
import type { Watchdog } from './watchdog.js';

/** Share of host power losses that tear the last unsynced write instead of losing it. */
const TEAR_RATE = 0.3;

/**
 * One simulated machine: its clock, disk, resource processes, watchdog, and the agent running
 * on it (or none while the agent is down or the host is off). The host distinguishes the two
 * ways an agent can die:
 *
 * - {@link crashAgent}: the agent process dies; its resources keep running, its disk keeps
 *   every write (the page cache survives a process crash), its watchdog keeps counting;
 * - {@link powerOff}: the whole host goes (crash, watchdog reset, fence device): every
 *   resource stops being active at once and unsynced disk writes are lost or torn.
 */
export class SimHost implements AgentHost {
  readonly id: NodeId;
  readonly clock: HostClock;
  readonly disk: SimDisk;
  readonly resources: HostResources;
  watchdog: Watchdog | null = null;
  /** The running agent, or null. */
  agent: SimAgent | null = null;
  /** Whether the host has power. */
  powered = true;
  /** Agent starts so far. */
  incarnations = 0;
  /** Bumped at every power-off: a boot scheduled before it is void. */
  powerEpoch = 0;
  private readonly diskRandom: SimRandom;

  constructor(
    id: NodeId,
    clock: HostClock,
    disk: SimDisk,
    resources: HostResources,
    diskRandom: SimRandom,
  ) {
    this.id = id;
    this.clock = clock;
    this.disk = disk;
    this.resources = resources;
    this.diskRandom = diskRandom;
  }

  /** Whether an agent runs and is not paused at real time `nowMs`. */
  responsive(nowMs: number): boolean {
    return this.agent !== null && this.agent.pausedUntilMs <= nowMs;
  }

  /** Starts a new agent incarnation (no-op without power or with an agent running). */
  startAgent(world: AgentWorld): SimAgent | null {
    if (!this.powered || this.agent !== null) return null;
    this.incarnations++;
    this.agent = new SimAgent(this, world, this.incarnations);
    return this.agent;
  }

  /** The agent process dies; resources, disk and watchdog carry on. */
  crashAgent(): void {
    this.agent?.kill();
    this.agent = null;
  }

  /** The host loses power: agent, resources and unsynced writes are gone. */
  powerOff(): { lostWrites: number; torn: boolean } {
    this.crashAgent();
    this.powered = false;
    this.powerEpoch++;
    this.resources.powerOff();
    this.watchdog?.disarm();
    const outcome = this.disk.crash(this.diskRandom, TEAR_RATE);
    return { lostWrites: outcome.lostWrites, torn: outcome.torn };
  }

  /** Power comes back (the agent starts once the host has booted: the caller's schedule). */
  powerOn(): void {
    this.powered = true;
  }
}
