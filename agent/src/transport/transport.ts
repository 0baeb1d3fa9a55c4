import type { Message, NodeId } from '../raft/types.js';

/**
 * Receives every batch of messages addressed to this node, one call per batch, in arrival
 * order (messages from one peer keep the order that peer sent them in; batches from different
 * peers interleave arbitrarily). Called on the event loop, never re-entrantly from `send()`.
 * It should only hand the messages to the Raft driver (e.g. queue them for `step()`): it runs
 * on the receive path, and it must not throw (an exception is caught, counted and logged, and
 * the batch is lost).
 */
export type MessageHandler = (messages: Message[]) => void;

/** Told that `peer` could not be reached; see {@link Transport.onUnreachable}. */
export type UnreachableListener = (peer: NodeId) => void;

/** Told whether a snapshot for `peer` left this node; see {@link Transport.onSnapshotStatus}. */
export type SnapshotStatusListener = (peer: NodeId, ok: boolean) => void;

/** Stops a listener registered with `onUnreachable` or `onSnapshotStatus`. Idempotent. */
export type Unsubscribe = () => void;

/**
 * How the Raft driver exchanges messages with its peers. Raft tolerates lost and delayed
 * messages, so a transport may drop messages (it counts them); but it never reorders the
 * messages it delivers from one sender, never duplicates them, and never blocks the driver.
 *
 * Two implementations: `GrpcTransport` (production: one gRPC client stream per peer) and
 * `InMemoryTransport` (tests and simulation: an in-process hub with fault hooks).
 */
export interface Transport {
  /**
   * Begin accepting messages; `handler` gets each received batch (see {@link MessageHandler}).
   * Resolves once this node is reachable (for gRPC: the server is bound). Rejects if called
   * twice, after `close()`, or if the listening address cannot be bound.
   */
  start(handler: MessageHandler): Promise<void>;

  /**
   * Queue messages for their `to` peers and return at once: never blocks, never throws because
   * a peer is unknown, slow or unreachable. Messages for one peer are sent in the order given.
   * A message is dropped (and counted in the stats) when its peer has no address, when the
   * peer's queue is full, or while the peer is backing off after a failure. Throws only for a
   * caller bug (a message that cannot be encoded, or a local-only type such as MsgHup), and
   * then before queuing any message of the call. No listener runs inside this call.
   */
  send(messages: Message[]): void;

  /**
   * Register a listener told each time a peer's connection fails or cannot be opened (at most
   * once per failure, so at most once per reconnect attempt). The driver passes it to Raft's
   * `reportUnreachable`, which stops optimistic pipelining to that peer until it answers again.
   * Listeners must not throw.
   */
  onUnreachable(listener: UnreachableListener): Unsubscribe;

  /**
   * Register a listener told the fate of every MsgSnap given to `send()`: `ok` once it has been
   * handed to the connection, `false` when it was dropped or its connection failed first. The
   * driver steps a `MsgSnapStatus` (reject = !ok) into Raft so the leader leaves the snapshot
   * state instead of waiting forever for a snapshot that never left. An `ok` does not prove
   * the peer applied it; Raft confirms that through the peer's later responses.
   */
  onSnapshotStatus(listener: SnapshotStatusListener): Unsubscribe;

  /**
   * Add, replace (`address` differs) or remove (`null`) a peer's address at run time, for
   * membership changes. Replacing or removing drops the peer's queued messages and closes its
   * connection; setting the same address again changes nothing.
   */
  setPeer(id: NodeId, address: string | null): void;

  /**
   * Stop sending and receiving, discard queued messages and release every connection and
   * timer. No handler or listener runs after the promise resolves. Idempotent.
   */
  close(): Promise<void>;
}
