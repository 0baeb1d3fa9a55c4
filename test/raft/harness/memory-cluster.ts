import {
  bootstrapSnapshot,
  DEFAULT_RAFT_CONFIG,
  EMPTY_HARD_STATE,
  type RaftConfig,
} from '../../../agent/src/raft/config.js';
import { seededRandom } from '../../../agent/src/raft/prng.js';
import { RaftNode } from '../../../agent/src/raft/raft-node.js';
import type {
  Entry,
  HardState,
  Message,
  MessageType,
  NodeId,
  Ready,
  Snapshot,
} from '../../../agent/src/raft/types.js';
import { describeEntry, describeMessage } from './describe.js';

/** What one node has on its (perfect, synchronous) disk. */
interface MemoryDisk {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

/** One member of a {@link MemoryCluster}. */
export interface MemoryMember {
  node: RaftNode;
  disk: MemoryDisk;
  /** Data of every applied normal entry, in order (the state machine). */
  applied: string[];
  config: RaftConfig;
}

/**
 * A synchronous in-memory cluster for script tests: real RaftNodes, a perfect disk, and a
 * network that holds every sent message until the script delivers or drops it. Every event
 * is written to `out` in a stable textual form, which the script tests compare.
 */
export class MemoryCluster {
  readonly members = new Map<NodeId, MemoryMember>();
  /** Messages sent but not yet delivered, in send order. */
  inFlight: Message[] = [];
  /** Messages set aside by `hold` (delayed in the network) until `release`. */
  held: Message[] = [];
  /** Directed links (`a->b`) that lose every message. */
  private cut = new Set<string>();
  /** Directed links that lose only messages of the given types. */
  private typedCut = new Map<string, Set<MessageType>>();
  out: string[] = [];

  /** Create (or recreate, on restart) node `id`. */
  addNode(
    id: NodeId,
    founders: NodeId[] | null,
    overrides: Partial<RaftConfig>,
    disk?: MemoryDisk,
  ): void {
    const config: RaftConfig = {
      ...DEFAULT_RAFT_CONFIG,
      id,
      random: seededRandom(hashId(id)),
      ...overrides,
    };
    const d: MemoryDisk = disk ?? {
      hardState: { ...EMPTY_HARD_STATE },
      snapshot: founders === null ? null : bootstrapSnapshot(founders),
      entries: [],
    };
    const node = new RaftNode(config, {
      hardState: d.hardState,
      snapshot: d.snapshot,
      entries: [...d.entries],
    });
    this.members.set(id, { node, disk: d, applied: [], config });
  }

  /**
   * Crash and restart `id` from its disk (volatile state and undelivered messages to it lost).
   * The state machine restarts from the snapshot's image; the node re-applies the rest.
   */
  restart(id: NodeId): void {
    const m = this.member(id);
    this.inFlight = this.inFlight.filter((msg) => msg.to !== id);
    this.held = this.held.filter((msg) => msg.to !== id);
    this.addNode(id, null, m.config, m.disk);
    this.member(id).applied = m.disk.snapshot === null ? [] : decodeImage(m.disk.snapshot.data);
  }

  member(id: NodeId): MemoryMember {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no node ${id}`);
    return m;
  }

  /** Handle every node's Ready once (persist, queue messages, apply); returns whether any. */
  processReady(ids: Iterable<NodeId> = this.members.keys()): boolean {
    let any = false;
    for (const id of ids) {
      const m = this.member(id);
      if (!m.node.hasReady()) continue;
      any = true;
      this.handleReady(id, m, m.node.ready());
    }
    return any;
  }

  private handleReady(id: NodeId, m: MemoryMember, rd: Ready): void {
    const lines: string[] = [];
    if (rd.softState !== null) {
      lines.push(`  state: ${rd.softState.role}, leader ${rd.softState.leader ?? 'none'}`);
    }
    if (rd.hardState !== null) {
      const hs = rd.hardState;
      lines.push(`  hard state: term ${hs.term} vote ${hs.vote ?? 'none'} commit ${hs.commit}`);
      m.disk.hardState = { ...hs };
    }
    if (rd.snapshot !== null) {
      const md = rd.snapshot.metadata;
      lines.push(
        `  install snapshot ${md.term}/${md.index} voters=(${md.confState.voters.join(',')})`,
      );
      m.disk.snapshot = rd.snapshot;
      m.disk.entries = [];
      m.applied = decodeImage(rd.snapshot.data);
    }
    if (rd.entries.length > 0) {
      lines.push(`  persist ${rd.entries.map(describeEntry).join(' ')}`);
      const first = rd.entries[0]!.index;
      m.disk.entries = m.disk.entries.filter((e) => e.index < first).concat(rd.entries);
    }
    for (const msg of rd.messages) {
      lines.push(`  send ${describeMessage(msg)}`);
      this.inFlight.push(msg);
    }
    if (rd.committedEntries.length > 0) {
      lines.push(`  apply ${rd.committedEntries.map(describeEntry).join(' ')}`);
      for (const e of rd.committedEntries) {
        if (e.type === 'normal' && e.data.length > 0)
          m.applied.push(new TextDecoder().decode(e.data));
      }
    }
    for (const rs of rd.readStates)
      lines.push(`  read state: index ${rs.index} context ${rs.context}`);
    m.node.advance(rd);
    if (lines.length > 0) this.out.push(`> ${id} ready`, ...lines);
  }

  /** Deliver in-flight messages (all, or those matching `filter`); cut links drop them. */
  deliver(filter: (m: Message) => boolean = () => true): number {
    const now = this.inFlight.filter(filter);
    this.inFlight = this.inFlight.filter((m) => !filter(m));
    for (const msg of now) {
      const target = this.members.get(msg.to);
      if (target === undefined || this.isCut(msg)) {
        this.out.push(`  drop ${describeMessage(msg)}`);
        continue;
      }
      target.node.step(msg);
    }
    return now.length;
  }

  /** Drop in-flight messages matching `filter`. */
  drop(filter: (m: Message) => boolean): void {
    for (const msg of this.inFlight.filter(filter)) this.out.push(`  drop ${describeMessage(msg)}`);
    this.inFlight = this.inFlight.filter((m) => !filter(m));
  }

  /** Set in-flight messages matching `filter` aside (delayed) until {@link release}. */
  hold(filter: (m: Message) => boolean): void {
    for (const msg of this.inFlight.filter(filter)) this.out.push(`  hold ${describeMessage(msg)}`);
    this.held.push(...this.inFlight.filter(filter));
    this.inFlight = this.inFlight.filter((m) => !filter(m));
  }

  /** Put every held message back in flight (after those already in flight). */
  release(): void {
    for (const msg of this.held) this.out.push(`  release ${describeMessage(msg)}`);
    this.inFlight.push(...this.held);
    this.held = [];
  }

  /** Process readies and deliver messages until nothing moves (bounded). */
  stabilize(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      const readied = this.processReady();
      const delivered = this.deliver();
      if (!readied && delivered === 0) return;
    }
    throw new Error(`no quiescence within ${maxRounds} rounds`);
  }

  /** Cut every link between the groups (each node may only talk within its group). */
  partition(groups: NodeId[][]): void {
    this.cut.clear();
    this.typedCut.clear();
    const groupOf = new Map<NodeId, number>();
    groups.forEach((g, i) => g.forEach((id) => groupOf.set(id, i)));
    const ids = [...this.members.keys()];
    for (const a of ids) {
      for (const b of ids) {
        if (a !== b && groupOf.get(a) !== groupOf.get(b)) this.cut.add(`${a}->${b}`);
      }
    }
  }

  /** Cut one direction only: for every message, or only for messages of `types`. */
  cutOneWay(from: NodeId, to: NodeId, types?: MessageType[]): void {
    const link = `${from}->${to}`;
    if (types === undefined) this.cut.add(link);
    else this.typedCut.set(link, new Set([...(this.typedCut.get(link) ?? []), ...types]));
  }

  heal(): void {
    this.cut.clear();
    this.typedCut.clear();
  }

  private isCut(m: Message): boolean {
    const link = `${m.from}->${m.to}`;
    return this.cut.has(link) || this.typedCut.get(link)?.has(m.type) === true;
  }
}

/** The state-machine image stored in snapshots by the harness: applied data joined by \n. */
export function encodeImage(applied: string[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(applied));
}

function decodeImage(data: Uint8Array): string[] {
  if (data.length === 0) return [];
  return JSON.parse(new TextDecoder().decode(data)) as string[];
}

function hashId(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619) >>> 0;
  return h;
}
