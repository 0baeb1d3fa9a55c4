import type { Message, NodeId } from '../raft/types.js';
import type { InMemoryEndpoint, InMemoryNetwork } from './in-memory-network.js';
import { encodeSendable } from './sendable.js';
import type {
  MessageHandler,
  SnapshotStatusListener,
  Transport,
  UnreachableListener,
  Unsubscribe,
} from './transport.js';

/** Options of an {@link InMemoryTransport}. */
export interface InMemoryTransportOptions {
  /** This node's id; received messages addressed to another id are dropped. */
  id: NodeId;
  /** Where peers reach this node on the network (default: its id). */
  address?: string;
  /** Initial peer addresses by node id (an address is another transport's `address`). */
  peers?: Record<NodeId, string>;
}

/** Counters of an {@link InMemoryTransport}, for tests. */
export interface InMemoryTransportStats {
  sentMessages: number;
  receivedBatches: number;
  receivedMessages: number;
  droppedNoPeer: number;
  droppedMisaddressed: number;
  handlerErrors: number;
}

/**
 * A {@link Transport} over an {@link InMemoryNetwork}, for Raft driver tests: same contract as
 * the gRPC transport (asynchronous delivery, per-peer order, peers known only through
 * `setPeer`, the same messages refused by `send()`), no sockets, and faults injected through
 * the network's link hooks. Each `send()` becomes at most one batch per recipient.
 */
export class InMemoryTransport implements Transport {
  /** Where peers reach this node. */
  readonly address: string;
  private readonly peers = new Map<NodeId, string>();
  private readonly unreachableListeners = new Set<UnreachableListener>();
  private readonly snapshotListeners = new Set<SnapshotStatusListener>();
  private handler: MessageHandler | null = null;
  private state: 'new' | 'started' | 'closed' = 'new';
  private readonly endpoint: InMemoryEndpoint;
  private readonly counters: InMemoryTransportStats = {
    sentMessages: 0,
    receivedBatches: 0,
    receivedMessages: 0,
    droppedNoPeer: 0,
    droppedMisaddressed: 0,
    handlerErrors: 0,
  };

  constructor(
    private readonly network: InMemoryNetwork,
    options: InMemoryTransportOptions,
  ) {
    this.address = options.address ?? options.id;
    for (const [id, address] of Object.entries(options.peers ?? {})) this.peers.set(id, address);
    const id = options.id;
    this.endpoint = {
      id,
      deliver: (messages) => this.deliver(messages),
      reportUnreachable: (peer) => {
        if (this.state === 'closed') return;
        for (const listener of [...this.unreachableListeners]) listener(peer);
      },
      reportSnapshot: (peer, ok) => {
        if (this.state === 'closed') return;
        for (const listener of [...this.snapshotListeners]) listener(peer, ok);
      },
    };
  }

  /** This node's id. */
  get id(): NodeId {
    return this.endpoint.id;
  }

  /** Attach to the network at `address`; rejects if it is taken or this was started/closed. */
  async start(handler: MessageHandler): Promise<void> {
    if (this.state !== 'new') throw new Error(`InMemoryTransport: cannot start when ${this.state}`);
    this.network.attach(this.address, this.endpoint);
    this.handler = handler;
    this.state = 'started';
  }

  /** Validate all, then route one batch per recipient; see {@link Transport.send}. */
  send(messages: Message[]): void {
    if (this.state === 'closed') return;
    for (const m of messages) encodeSendable(m);
    const byPeer = new Map<NodeId, Message[]>();
    for (const m of messages) {
      const list = byPeer.get(m.to);
      if (list === undefined) byPeer.set(m.to, [m]);
      else list.push(m);
    }
    for (const [to, batch] of byPeer) {
      const address = this.peers.get(to);
      if (address === undefined) {
        this.counters.droppedNoPeer += batch.length;
        const snapshots = batch.filter((m) => m.type === 'MsgSnap').length;
        if (snapshots > 0) {
          setImmediate(() => {
            for (let i = 0; i < snapshots; i += 1) this.endpoint.reportSnapshot(to, false);
          });
        }
        continue;
      }
      this.counters.sentMessages += batch.length;
      this.network.route(this.endpoint, to, address, batch);
    }
  }

  /** See {@link Transport.onUnreachable}. */
  onUnreachable(listener: UnreachableListener): Unsubscribe {
    this.unreachableListeners.add(listener);
    return () => this.unreachableListeners.delete(listener);
  }

  /** See {@link Transport.onSnapshotStatus}. */
  onSnapshotStatus(listener: SnapshotStatusListener): Unsubscribe {
    this.snapshotListeners.add(listener);
    return () => this.snapshotListeners.delete(listener);
  }

  /** See {@link Transport.setPeer}; nothing is queued here, so replacing drops nothing. */
  setPeer(id: NodeId, address: string | null): void {
    if (address === null) this.peers.delete(id);
    else this.peers.set(id, address);
  }

  /** Counters since creation. */
  stats(): InMemoryTransportStats {
    return { ...this.counters };
  }

  /** Detach from the network; messages still in flight to this node are then lost. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.handler = null;
    this.network.detach(this.address, this.endpoint);
    this.unreachableListeners.clear();
    this.snapshotListeners.clear();
  }

  private deliver(messages: Message[]): void {
    const handler = this.handler;
    if (handler === null) return;
    const mine = messages.filter((m) => m.to === this.endpoint.id);
    this.counters.droppedMisaddressed += messages.length - mine.length;
    if (mine.length === 0) return;
    this.counters.receivedBatches += 1;
    this.counters.receivedMessages += mine.length;
    try {
      handler(mine);
    } catch {
      this.counters.handlerErrors += 1;
    }
  }
}
