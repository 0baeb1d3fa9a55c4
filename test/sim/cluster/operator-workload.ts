import type { NodeId } from '../../../agent/src/raft/types.js';
import type { ClusterCommand } from '../../../agent/src/state/cluster-commands.js';
import type { ClusterStateDoc } from '../../../agent/src/state/cluster-state.js';
import { everyExponentialGap } from '../exponential-gaps.js';
import { SimRandom } from '../sim-random.js';
import type { ClusterWorld } from './cluster-world.js';

/** How often an unacknowledged essential command is proposed again. */
const ESSENTIAL_RETRY_MS = 300;
/** How often the operator looks for blocked resources during the heal phase. */
const HEAL_LOOK_MS = 1000;
/** Top-level resources an intent may name. */
const ENTITIES = ['vip', 'db', 'web', 'api-clone', 'shard-a', 'shard-b'];

/** One acknowledged command: applied on the agent it was proposed to. */
export interface AckedCommand {
  requestId: string;
  index: number;
  what: string;
}

/** Counters for the run summary. */
export interface OperatorStats {
  proposed: number;
  acked: number;
}

interface Essential {
  command: () => ClusterCommand;
  acked: boolean;
}

/**
 * The cluster's clients: an operator with clusterctl. At the start it applies the
 * configuration (retried until acknowledged). During the fault phase it bans, prefers and
 * clears resources, puts nodes in and out of standby and cleans up failures at random. When
 * the heal phase begins it clears every intent and every standby (retried until acknowledged)
 * and then, like an operator after an incident, keeps looking at the cluster state: it clears
 * what a late command of the fault phase brought back and cleans up every resource that is
 * blocked by a stop failure or banned by its failures.
 *
 * A command is acknowledged when the agent it was proposed to applies it (what clusterctl
 * waits for); every acknowledged command must be applied on every agent after healing.
 */
export class OperatorWorkload {
  readonly stats: OperatorStats = { proposed: 0, acked: 0 };
  /** Every acknowledged command. */
  readonly acked: AckedCommand[] = [];
  private readonly world: ClusterWorld;
  private readonly random: SimRandom;
  private readonly pending = new Map<
    string,
    { node: NodeId; what: string; essential: Essential | null }
  >();
  private readonly essentials: Essential[] = [];
  private readonly issuedAtMs = new Map<string, number>();
  private actionsOn = false;
  private healing = false;

  constructor(world: ClusterWorld) {
    this.world = world;
    this.random = SimRandom.forStream(world.params.seed, 'cluster/operator');
    world.appliedListeners.push((node, index, requestId) => this.applied(node, index, requestId));
  }

  /** Whether every essential command so far was acknowledged. */
  get settled(): boolean {
    return this.essentials.every((e) => e.acked);
  }

  /** Highest log index of an acknowledged command (0: none). */
  get maxAckedIndex(): number {
    let max = 0;
    for (const a of this.acked) max = Math.max(max, a.index);
    return max;
  }

  /** Applies the configuration and starts the fault-phase actions. */
  start(): void {
    this.essential(() => ({
      type: 'apply-config',
      config: this.world.config,
      fingerprint: `sim-${this.world.params.seed}`,
      atMs: this.clientNowMs(),
    }));
    this.retryLoop();
    this.actionsOn = true;
    everyExponentialGap(
      this.world.scheduler,
      this.random,
      this.world.params.operatorGapMeanMs,
      () => this.actionsOn,
      () => this.randomAction(),
      1000,
    );
  }

  /** The heal phase: clear every intent and standby, then clean up what stays blocked. */
  heal(): void {
    this.actionsOn = false;
    this.healing = true;
    for (const resource of ENTITIES) {
      this.essential(() => ({
        type: 'clear-intents',
        resource,
        node: null,
        atMs: this.clientNowMs(),
      }));
    }
    for (const node of this.world.hosts.keys()) {
      this.essential(() => ({
        type: 'set-node-flags',
        node,
        standby: false,
        atMs: this.clientNowMs(),
      }));
    }
    this.world.scheduler.after(HEAL_LOOK_MS, null, () => this.healLook());
  }

  private applied(node: NodeId, index: number, requestId: string | null): void {
    if (requestId === null) return;
    const p = this.pending.get(requestId);
    if (p === undefined || p.node !== node) return;
    this.pending.delete(requestId);
    this.stats.acked++;
    this.acked.push({ requestId, index, what: p.what });
    if (p.essential !== null) p.essential.acked = true;
    this.world.trace.log(`CLIENT ack ${p.what} (${requestId} at index ${index})`);
  }

  private essential(command: () => ClusterCommand): void {
    const e: Essential = { command, acked: false };
    this.essentials.push(e);
    this.propose(command(), e);
  }

  private retryLoop(): void {
    this.world.scheduler.after(ESSENTIAL_RETRY_MS, null, () => {
      for (const e of this.essentials) if (!e.acked) this.propose(e.command(), e);
      this.retryLoop();
    });
  }

  /** Proposes at a random responsive agent; returns false when none took it. */
  private propose(command: ClusterCommand, essential: Essential | null): boolean {
    const hosts = this.world.responsiveHosts();
    if (hosts.length === 0) return false;
    const host = this.random.pick(hosts);
    const requestId = host.agent?.proposeForClient(command) ?? null;
    if (requestId === null) return false;
    const what = describe(command);
    this.stats.proposed++;
    this.pending.set(requestId, { node: host.id, what, essential });
    this.world.trace.log(`CLIENT propose ${what} at ${host.id} (${requestId})`);
    return true;
  }

  private randomAction(): void {
    const r = this.random;
    const nodes = [...this.world.hosts.keys()];
    const node = r.pick(nodes);
    const resource = r.pick(ENTITIES);
    const atMs = this.clientNowMs();
    const kind = r.pick(['ban', 'prefer', 'clear', 'standby', 'active', 'cleanup'] as const);
    let cmd: ClusterCommand;
    if (kind === 'ban' || kind === 'prefer') {
      cmd = { type: 'add-intent', intent: { kind, resource, node, expiresAtMs: null }, atMs };
    } else if (kind === 'clear') {
      cmd = { type: 'clear-intents', resource, node: null, atMs };
    } else if (kind === 'standby' || kind === 'active') {
      cmd = { type: 'set-node-flags', node, standby: kind === 'standby', atMs };
    } else {
      const primitive = r.pick(this.world.config.resources).id;
      cmd = { type: 'cleanup', resource: primitive, node: r.chance(0.5) ? node : null, atMs };
    }
    this.propose(cmd, null);
  }

  private healLook(): void {
    if (!this.healing) return;
    const doc = this.freshestDoc();
    if (doc !== null) {
      // A command of the fault phase may commit after the heal's own: look again.
      for (const [node, flags] of Object.entries(doc.nodes)) {
        if (flags.standby) {
          this.once(`active ${node}`, () => ({
            type: 'set-node-flags',
            node,
            standby: false,
            atMs: this.clientNowMs(),
          }));
        }
      }
      for (const resource of new Set(doc.intents.map((i) => i.resource))) {
        this.once(`clear ${resource}`, () => ({
          type: 'clear-intents',
          resource,
          node: null,
          atMs: this.clientNowMs(),
        }));
      }
      for (const primitive of blockedPrimitives(doc)) {
        this.once(`cleanup ${primitive}`, () => ({
          type: 'cleanup',
          resource: primitive,
          node: null,
          atMs: this.clientNowMs(),
        }));
      }
    }
    this.world.scheduler.after(HEAL_LOOK_MS, null, () => this.healLook());
  }

  /** An essential command, unless the same one was issued within the last few looks. */
  private once(key: string, command: () => ClusterCommand): void {
    const now = this.world.scheduler.nowMs;
    const last = this.issuedAtMs.get(key);
    if (last !== undefined && now - last < 3 * HEAL_LOOK_MS) return;
    this.issuedAtMs.set(key, now);
    this.essential(command);
  }

  /** The applied state of the agent that applied the most (what `clusterctl status` shows). */
  private freshestDoc(): Readonly<ClusterStateDoc> | null {
    let best: { index: number; doc: Readonly<ClusterStateDoc> } | null = null;
    for (const h of this.world.responsiveHosts()) {
      const a = h.agent!;
      if (best === null || a.raft.appliedIndex > best.index) {
        best = { index: a.raft.appliedIndex, doc: a.raft.state.state };
      }
    }
    return best?.doc ?? null;
  }

  /** The operator's wall clock (any host's will do: they are synchronised within drift). */
  private clientNowMs(): number {
    const first = this.world.hosts.values().next().value;
    return first === undefined ? 0 : first.clock.readMs(this.world.scheduler.nowMs);
  }
}

/**
 * Primitives with a stop failure on record, or whose failures on some node reached the
 * migration threshold (a clone's instances count together, as the scheduler counts them).
 */
function blockedPrimitives(doc: Readonly<ClusterStateDoc>): string[] {
  const out = new Set<string>();
  const failures = new Map<string, number>();
  for (const r of Object.values(doc.resources)) {
    const primitive = r.resource.replace(/:\d+$/, '');
    if (r.state === 'stop-failed') out.add(primitive);
    const key = `${primitive}@${r.node}`;
    failures.set(key, (failures.get(key) ?? 0) + r.failCount);
  }
  const threshold = doc.config.properties.resourceDefaults.migrationThreshold;
  for (const [key, count] of failures) {
    if (threshold > 0 && count >= threshold) out.add(key.slice(0, key.lastIndexOf('@')));
  }
  return [...out].sort();
}

function describe(c: ClusterCommand): string {
  switch (c.type) {
    case 'add-intent':
      return `${c.intent.kind} ${c.intent.resource} on ${c.intent.node}`;
    case 'clear-intents':
      return `clear ${c.resource}`;
    case 'set-node-flags':
      return `${c.node} ${c.standby === true ? 'standby' : 'active'}`;
    case 'cleanup':
      return `cleanup ${c.resource}${c.node === null ? '' : ` on ${c.node}`}`;
    default:
      return c.type;
  }
}
