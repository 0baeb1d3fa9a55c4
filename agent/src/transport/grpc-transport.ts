import * as grpc from '@grpc/grpc-js';

import type { Message, NodeId } from '../raft/types.js';
import type { MessageBatch__Output } from './generated/quorate/raft/MessageBatch.js';
import type { StreamAck } from './generated/quorate/raft/StreamAck.js';
import {
  resolveGrpcTransportOptions,
  serverChannelOptions,
  type GrpcTransportOptions,
  type ResolvedGrpcTransportOptions,
} from './grpc-transport-options.js';
import { decodeMessage } from './message-codec.js';
import { messageSizeBoundBytes } from './message-size.js';
import { PeerLink, type OutgoingMessage, type PeerLinkStats } from './peer-link.js';
import { loadRaftProto, type RaftProto } from './raft-proto.js';
import { encodeSendable } from './sendable.js';
import type {
  MessageHandler,
  SnapshotStatusListener,
  Transport,
  UnreachableListener,
  Unsubscribe,
} from './transport.js';

/** Counters of a {@link GrpcTransport}, for status reports and tests. */
export interface GrpcTransportStats {
  id: NodeId;
  /** The bound "host:port", or null before `start()`. */
  address: string | null;
  receivedBatches: number;
  receivedMessages: number;
  /** Sent to an id with no address (`setPeer`). */
  droppedNoPeer: number;
  /** Received but addressed to another node (a stale address after a membership change). */
  droppedMisaddressed: number;
  /** Incoming streams ended by us: wrong cluster or malformed batch. */
  refusedStreams: number;
  /** Batches whose handler threw. */
  handlerErrors: number;
  peers: Record<NodeId, PeerLinkStats>;
}

/**
 * The production {@link Transport}: a gRPC server receiving `quorate.raft.RaftTransport/Stream`
 * from every peer, and per peer one long-lived client stream fed by a bounded queue (see
 * {@link PeerLink} for batching, back-pressure and reconnection, and docs/transport.md).
 *
 * Credentials default to insecure; pass `serverCredentials` / `channelCredentials` (see
 * {@link GrpcTransportOptions}) for mutual TLS. Incoming batches must carry our cluster id
 * (else the stream is refused with FAILED_PRECONDITION) and decode to valid messages (else
 * INVALID_ARGUMENT); messages addressed to another node are dropped and counted.
 */
export class GrpcTransport implements Transport {
  private readonly options: ResolvedGrpcTransportOptions;
  private readonly proto: RaftProto;
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly unreachableListeners = new Set<UnreachableListener>();
  private readonly snapshotListeners = new Set<SnapshotStatusListener>();
  /** Incoming streams still open, each with the function that ends it with a status. */
  private readonly incoming = new Set<(status: grpc.StatusObject | null) => void>();
  private server: grpc.Server | null = null;
  private handler: MessageHandler | null = null;
  private boundAddress: string | null = null;
  private state: 'new' | 'starting' | 'started' | 'closed' = 'new';
  private closing: Promise<void> | null = null;
  private readonly counters = {
    receivedBatches: 0,
    receivedMessages: 0,
    droppedNoPeer: 0,
    droppedMisaddressed: 0,
    refusedStreams: 0,
    handlerErrors: 0,
  };

  /** Validates the options (RangeError) and loads the proto; binds nothing until `start()`. */
  constructor(options: GrpcTransportOptions) {
    this.options = resolveGrpcTransportOptions(options);
    this.proto = loadRaftProto(this.options.protoPath);
    for (const [id, address] of Object.entries(this.options.peers)) this.setPeer(id, address);
  }

  /** This node's id. */
  get id(): NodeId {
    return this.options.id;
  }

  /**
   * The bound "host:port" (with the real port when listening on port 0), for peers to dial.
   * Throws before `start()` has resolved.
   */
  get address(): string {
    if (this.boundAddress === null) throw new Error('GrpcTransport: not started');
    return this.boundAddress;
  }

  /** The bound TCP port; throws before `start()` has resolved. */
  get port(): number {
    const address = this.address;
    return Number(address.slice(address.lastIndexOf(':') + 1));
  }

  /** Bind `listenAddress` and accept streams; see {@link Transport.start}. */
  async start(handler: MessageHandler): Promise<void> {
    if (this.state !== 'new') throw new Error(`GrpcTransport: cannot start when ${this.state}`);
    this.state = 'starting';
    this.handler = handler;
    const server = new grpc.Server(serverChannelOptions(this.options));
    server.addService(this.proto.service, {
      Stream: (
        call: grpc.ServerReadableStream<MessageBatch__Output, StreamAck>,
        callback: grpc.sendUnaryData<StreamAck>,
      ) => this.acceptStream(call, callback),
    });
    for (const extra of this.options.extraServices)
      server.addService(extra.definition, extra.implementation);
    this.server = server;
    const listen = this.options.listenAddress;
    let port: number;
    try {
      port = await new Promise<number>((resolve, reject) => {
        server.bindAsync(listen, this.options.serverCredentials, (err, boundPort) => {
          if (err) reject(err);
          else resolve(boundPort);
        });
      });
    } catch (err) {
      this.server = null;
      server.forceShutdown();
      this.state = 'closed';
      throw new Error(`GrpcTransport: cannot listen on ${listen}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    if (this.state !== 'starting') {
      // close() ran while binding; it could not see the server yet.
      server.forceShutdown();
      throw new Error('GrpcTransport: closed while starting');
    }
    this.boundAddress = `${listen.slice(0, listen.lastIndexOf(':'))}:${port}`;
    this.state = 'started';
  }

  /** Encode and queue per peer; see {@link Transport.send}. */
  send(messages: Message[]): void {
    if (this.state === 'closed') return;
    // Encode everything first, so a caller bug throws before anything is queued.
    const outgoing: OutgoingMessage[] = messages.map((m) => ({
      wire: encodeSendable(m),
      sizeBytes: messageSizeBoundBytes(m),
      isSnapshot: m.type === 'MsgSnap',
    }));
    for (let i = 0; i < messages.length; i += 1) {
      const to = messages[i]!.to;
      const link = this.links.get(to);
      if (link === undefined) {
        this.counters.droppedNoPeer += 1;
        if (outgoing[i]!.isSnapshot) this.reportSnapshot(to, false);
      } else {
        link.enqueue(outgoing[i]!);
      }
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

  /** See {@link Transport.setPeer}. */
  setPeer(id: NodeId, address: string | null): void {
    if (this.state === 'closed') return;
    const existing = this.links.get(id);
    if (existing !== undefined && existing.address === address) return;
    existing?.close();
    if (address === null) {
      this.links.delete(id);
      return;
    }
    this.links.set(
      id,
      new PeerLink(id, address, {
        proto: this.proto,
        options: this.options,
        reportUnreachable: (peer) => this.reportUnreachable(peer),
        reportSnapshot: (peer, ok) => this.reportSnapshot(peer, ok),
      }),
    );
    this.options.logger.debug({ peer: id, address }, 'raft transport: peer address set');
  }

  /** Counters for status reports and tests. */
  stats(): GrpcTransportStats {
    const peers: Record<NodeId, PeerLinkStats> = {};
    for (const [id, link] of this.links) peers[id] = link.stats();
    return { id: this.options.id, address: this.boundAddress, ...this.counters, peers };
  }

  /**
   * See {@link Transport.close}. Ends incoming streams with UNAVAILABLE ("shutting down"),
   * cancels outgoing ones, then shuts the server down, forcibly after closeGraceMs.
   */
  close(): Promise<void> {
    if (this.closing === null) this.closing = this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = 'closed';
    this.handler = null;
    this.unreachableListeners.clear();
    this.snapshotListeners.clear();
    for (const link of this.links.values()) link.close();
    this.links.clear();
    const ending = { code: grpc.status.UNAVAILABLE, details: 'peer shutting down' };
    for (const end of [...this.incoming]) end({ ...ending, metadata: new grpc.Metadata() });
    this.incoming.clear();
    const server = this.server;
    this.server = null;
    if (server === null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, this.options.closeGraceMs);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  /** Serve one peer's stream: check and deliver each batch, refuse the stream on the first bad one. */
  private acceptStream(
    call: grpc.ServerReadableStream<MessageBatch__Output, StreamAck>,
    callback: grpc.sendUnaryData<StreamAck>,
  ): void {
    let ended = false;
    const end = (status: grpc.StatusObject | null): void => {
      if (ended) return;
      ended = true;
      this.incoming.delete(end);
      if (status === null) callback(null, {});
      else callback(status);
    };
    if (this.state !== 'started') {
      end(this.status(grpc.status.UNAVAILABLE, 'peer not started or shutting down'));
      return;
    }
    this.incoming.add(end);
    // Answer the headers at once: the sender counts its stream as open only from then on.
    call.sendMetadata(new grpc.Metadata());
    call.on('data', (batch: MessageBatch__Output) => {
      if (ended) return;
      const refusal = this.receive(batch);
      if (refusal !== null) {
        this.counters.refusedStreams += 1;
        this.options.logger.warn(
          { from: batch.from, code: grpc.status[refusal.code], details: refusal.details },
          'raft transport: incoming stream refused',
        );
        end(refusal);
      }
    });
    call.on('end', () => end(null));
    call.on('error', () => end(null));
    call.on('cancelled', () => end(null));
  }

  /** Check and deliver one batch; returns the status to refuse the stream with, or null. */
  private receive(batch: MessageBatch__Output): grpc.StatusObject | null {
    const ours = this.options.clusterId;
    if (batch.clusterId !== ours) {
      return this.status(
        grpc.status.FAILED_PRECONDITION,
        `wrong cluster: node ${this.options.id} belongs to cluster "${ours}", ` +
          `batch from ${JSON.stringify(batch.from)} is for cluster "${batch.clusterId}"`,
      );
    }
    let decoded: Message[];
    try {
      decoded = batch.messages.map(decodeMessage);
    } catch (err) {
      return this.status(
        grpc.status.INVALID_ARGUMENT,
        `malformed batch from ${JSON.stringify(batch.from)}: ${errorMessage(err)}`,
      );
    }
    const messages = decoded.filter((m) => m.to === this.options.id);
    this.counters.droppedMisaddressed += decoded.length - messages.length;
    if (messages.length === 0 || this.handler === null) return null;
    this.counters.receivedBatches += 1;
    this.counters.receivedMessages += messages.length;
    try {
      this.handler(messages);
    } catch (err) {
      this.counters.handlerErrors += 1;
      this.options.logger.warn(
        { from: batch.from, error: errorMessage(err) },
        'raft transport: message handler threw; batch lost',
      );
    }
    return null;
  }

  private status(code: grpc.status, details: string): grpc.StatusObject {
    return { code, details, metadata: new grpc.Metadata() };
  }

  private reportUnreachable(peer: NodeId): void {
    for (const listener of [...this.unreachableListeners]) {
      this.callListener(() => listener(peer));
    }
  }

  /** Deferred to a microtask: snapshot drops are decided inside send(), which calls no listener. */
  private reportSnapshot(peer: NodeId, ok: boolean): void {
    queueMicrotask(() => {
      if (this.state === 'closed') return;
      for (const listener of [...this.snapshotListeners]) {
        this.callListener(() => listener(peer, ok));
      }
    });
  }

  private callListener(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.options.logger.warn({ error: errorMessage(err) }, 'raft transport: listener threw');
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
