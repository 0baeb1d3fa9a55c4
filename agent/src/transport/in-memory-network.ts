import type { Message, NodeId } from '../raft/types.js';

/**
 * What happens to messages on one directed link (sender id → recipient id):
 * - `up`: delivered asynchronously, in order.
 * - `drop`: silently lost, as on a lossy network (snapshots are reported failed).
 * - `down`: lost, and the sender is told the peer is unreachable, as when a connection fails.
 * - `hold`: kept in order until `release()` or until the mode changes (see `setLink`).
 */
export type LinkMode = 'up' | 'drop' | 'down' | 'hold';

/** The side of an in-memory transport the network talks to. */
export interface InMemoryEndpoint {
  readonly id: NodeId;
  /** Hand a batch to the recipient (called on a later macrotask than the send). */
  deliver(messages: Message[]): void;
  /** Tell the sender `peer` could not be reached. */
  reportUnreachable(peer: NodeId): void;
  /** Tell the sender the fate of one MsgSnap for `peer`. */
  reportSnapshot(peer: NodeId, ok: boolean): void;
}

/** Counters of an {@link InMemoryNetwork}, for tests. */
export interface InMemoryNetworkStats {
  deliveredMessages: number;
  droppedMessages: number;
  heldMessages: number;
}

/** Options of an {@link InMemoryNetwork}. */
export interface InMemoryNetworkOptions {
  /** Most messages held per link; beyond it held messages are dropped. Default 10000. */
  heldMessagesMax?: number;
}

interface HeldBatch {
  sender: InMemoryEndpoint;
  address: string;
  messages: Message[];
}

/**
 * An in-process stand-in for the network between {@link InMemoryTransport}s, with hooks to
 * inject faults per directed link, for Raft driver tests and simulations.
 *
 * Guarantees the transport contract: delivery is asynchronous (each batch on its own
 * `setImmediate`, so a handler never runs inside `send()` and timers still get their turn),
 * and the messages of one link arrive in the order sent, never duplicated. Recipients get
 * deep copies, as if the messages had been serialised. Messages to an address nobody is
 * attached to are lost and reported unreachable, like a refused connection.
 */
export class InMemoryNetwork {
  private readonly endpoints = new Map<string, InMemoryEndpoint>();
  private readonly modes = new Map<string, LinkMode>();
  private readonly held = new Map<string, HeldBatch[]>();
  private readonly heldCounts = new Map<string, number>();
  private readonly heldMessagesMax: number;
  private dropPredicate: ((m: Message) => boolean) | null = null;
  private readonly counters: InMemoryNetworkStats = {
    deliveredMessages: 0,
    droppedMessages: 0,
    heldMessages: 0,
  };

  constructor(options: InMemoryNetworkOptions = {}) {
    this.heldMessagesMax = options.heldMessagesMax ?? 10_000;
  }

  /** Make `endpoint` reachable at `address`. Throws if the address is taken. */
  attach(address: string, endpoint: InMemoryEndpoint): void {
    if (this.endpoints.has(address)) throw new Error(`address ${address} already in use`);
    this.endpoints.set(address, endpoint);
  }

  /** Make `address` unreachable again (a no-op unless `endpoint` is the one attached there). */
  detach(address: string, endpoint: InMemoryEndpoint): void {
    if (this.endpoints.get(address) === endpoint) this.endpoints.delete(address);
  }

  /**
   * Set the mode of the link from node `from` to node `to` (one direction; call twice for a
   * symmetric fault). Leaving `hold` flushes the held messages first, in order: delivered if
   * the new mode is `up`, lost otherwise, so a link never reorders.
   */
  setLink(from: NodeId, to: NodeId, mode: LinkMode): void {
    const key = linkKey(from, to);
    const previous = this.modes.get(key) ?? 'up';
    if (mode === 'up') this.modes.delete(key);
    else this.modes.set(key, mode);
    if (previous === 'hold' && mode !== 'hold') this.flushHeld(key, mode);
  }

  /** The mode of the link from `from` to `to` (`up` unless set). */
  linkMode(from: NodeId, to: NodeId): LinkMode {
    return this.modes.get(linkKey(from, to)) ?? 'up';
  }

  /** Set every link into and out of `id` to `mode` (default `down`): a node cut off. */
  isolate(id: NodeId, mode: LinkMode = 'down'): void {
    for (const other of this.nodeIds()) {
      if (other === id) continue;
      this.setLink(id, other, mode);
      this.setLink(other, id, mode);
    }
  }

  /** Deliver (asynchronously, in order) what the link from `from` to `to` holds; stays `hold`. */
  release(from: NodeId, to: NodeId): number {
    return this.flushHeld(linkKey(from, to), 'up');
  }

  /** How many messages the link from `from` to `to` holds. */
  heldCount(from: NodeId, to: NodeId): number {
    return this.heldCounts.get(linkKey(from, to)) ?? 0;
  }

  /**
   * Drop, on every link, the messages for which `predicate` returns true (e.g. every MsgApp);
   * null removes the filter. Applied when a message is sent.
   */
  dropIf(predicate: ((m: Message) => boolean) | null): void {
    this.dropPredicate = predicate;
  }

  /** Every link back to `up` (held messages delivered) and no drop filter. */
  heal(): void {
    for (const key of [...this.modes.keys()]) {
      const [from, to] = splitKey(key);
      this.setLink(from, to, 'up');
    }
    this.dropPredicate = null;
  }

  /** Counters since creation. */
  stats(): InMemoryNetworkStats {
    return { ...this.counters };
  }

  /**
   * Carry `messages` (all for node `to`, at `address`) from `sender`. Called by
   * InMemoryTransport.send(); the caller owns nothing of `messages` afterwards.
   */
  route(sender: InMemoryEndpoint, to: NodeId, address: string, messages: Message[]): void {
    let kept = messages;
    const predicate = this.dropPredicate;
    if (predicate !== null) {
      kept = messages.filter((m) => !predicate(m));
      this.lose(sender, to, messages.filter(predicate), false);
    }
    if (kept.length === 0) return;
    const key = linkKey(sender.id, to);
    const mode = this.modes.get(key) ?? 'up';
    if (mode === 'drop' || mode === 'down') {
      this.lose(sender, to, kept, mode === 'down');
    } else if (mode === 'hold') {
      this.hold(key, { sender, address, messages: kept });
    } else {
      this.schedule(sender, to, address, kept);
    }
  }

  private schedule(sender: InMemoryEndpoint, to: NodeId, address: string, messages: Message[]) {
    const copies = structuredClone(messages);
    setImmediate(() => {
      const recipient = this.endpoints.get(address);
      if (recipient === undefined) {
        this.lose(sender, to, messages, true);
        return;
      }
      this.counters.deliveredMessages += messages.length;
      for (const m of messages) {
        if (m.type === 'MsgSnap') sender.reportSnapshot(to, true);
      }
      recipient.deliver(copies);
    });
  }

  private hold(key: string, batch: HeldBatch): void {
    const count = this.heldCounts.get(key) ?? 0;
    if (count + batch.messages.length > this.heldMessagesMax) {
      const to = splitKey(key)[1];
      this.lose(batch.sender, to, batch.messages, false);
      return;
    }
    const batches = this.held.get(key) ?? [];
    batches.push(batch);
    this.held.set(key, batches);
    this.heldCounts.set(key, count + batch.messages.length);
    this.counters.heldMessages += batch.messages.length;
  }

  private flushHeld(key: string, mode: LinkMode): number {
    const batches = this.held.get(key) ?? [];
    this.held.delete(key);
    this.heldCounts.delete(key);
    const to = splitKey(key)[1];
    let count = 0;
    for (const batch of batches) {
      count += batch.messages.length;
      this.counters.heldMessages -= batch.messages.length;
      if (mode === 'up' || mode === 'hold') {
        this.schedule(batch.sender, to, batch.address, batch.messages);
      } else {
        this.lose(batch.sender, to, batch.messages, mode === 'down');
      }
    }
    return count;
  }

  /** Count `messages` lost; fail their snapshots; report the peer unreachable if asked. */
  private lose(sender: InMemoryEndpoint, to: NodeId, messages: Message[], unreachable: boolean) {
    if (messages.length === 0) return;
    this.counters.droppedMessages += messages.length;
    setImmediate(() => {
      for (const m of messages) {
        if (m.type === 'MsgSnap') sender.reportSnapshot(to, false);
      }
      if (unreachable) sender.reportUnreachable(to);
    });
  }

  private nodeIds(): NodeId[] {
    return [...this.endpoints.values()].map((e) => e.id);
  }
}

/** Ids may hold any character but NUL, which keeps the pair unambiguous. */
function linkKey(from: NodeId, to: NodeId): string {
  return `${from}\u0000${to}`;
}

function splitKey(key: string): [NodeId, NodeId] {
  const i = key.indexOf('\u0000');
  return [key.slice(0, i), key.slice(i + 1)];
}
