import * as grpc from '@grpc/grpc-js';

import type { NodeId } from '../raft/types.js';
import { Backoff } from './backoff.js';
import { BoundedQueue } from './bounded-queue.js';
import type { Message as WireMessage } from './generated/quorate/raft/Message.js';
import type { MessageBatch } from './generated/quorate/raft/MessageBatch.js';
import type { RaftTransportClient } from './generated/quorate/raft/RaftTransport.js';
import {
  clientChannelOptions,
  type ResolvedGrpcTransportOptions,
} from './grpc-transport-options.js';
import { batchOverheadBoundBytes } from './message-size.js';
import type { RaftProto } from './raft-proto.js';

/** One encoded message waiting for its peer, with the bound on its size in a batch. */
export interface OutgoingMessage {
  wire: WireMessage;
  sizeBytes: number;
  /** A MsgSnap, whose fate is reported through `reportSnapshot`. */
  isSnapshot: boolean;
}

/**
 * Where a link stands: `idle` (no stream; the next message opens one), `connecting` (stream
 * requested, peer has not accepted it yet; writes are buffered by gRPC), `open` (accepted),
 * `backoff` (the last stream failed; messages are dropped until the delay ends), `closed`.
 * Messages are written only once `open`; until then they wait in the queue.
 */
export type PeerLinkState = 'idle' | 'connecting' | 'open' | 'backoff' | 'closed';

/** Counters and state of one link, for `GrpcTransport.stats()`. */
export interface PeerLinkStats {
  address: string;
  state: PeerLinkState;
  queuedMessages: number;
  queuedBytes: number;
  sentBatches: number;
  sentMessages: number;
  /** Refused because the queue was at its message or byte bound. */
  droppedQueueFull: number;
  /** Refused because the link was backing off after a failure. */
  droppedBackoff: number;
  /** Refused because the message alone exceeds messageBytesMax. */
  droppedOversize: number;
  /** Queued or in flight when the stream failed (in-flight ones may have arrived). */
  droppedOnFailure: number;
  /** Streams that failed or could not be opened. */
  failures: number;
  /** Status of the last failure ("UNAVAILABLE: ..."), null if none yet. */
  lastError: string | null;
}

/** What a link needs from its transport. */
export interface PeerLinkContext {
  proto: RaftProto;
  options: ResolvedGrpcTransportOptions;
  /** Called once per failed stream or failed attempt; must not throw. */
  reportUnreachable(peer: NodeId): void;
  /** Called once per MsgSnap given to the link; must not throw. */
  reportSnapshot(peer: NodeId, ok: boolean): void;
}

/**
 * The outgoing half of the transport for one peer: a bounded queue drained into a single
 * long-lived gRPC client stream, one batch at a time.
 *
 * Batching: writes start once the peer has accepted the stream (its response headers
 * arrived), and at most one write is outstanding; while it is, messages accumulate, and the
 * next write takes everything queued up to batchMessagesMax / batchBytesMax. Under light load
 * each message goes alone at once; under heavy load batches grow, so throughput adapts without
 * a timer. Back-pressure: a write completes when HTTP/2 has taken it (flow control permitting;
 * gRPC's own message buffer is disabled), so a slow peer fills this queue, which then drops
 * (bounded memory) instead of blocking the driver. "Sent" in the stats means exactly that:
 * handed to an accepted stream, not yet confirmed by the peer.
 *
 * Failure: any end of the stream not asked for by us (error status, peer shutdown, keepalive
 * timeout, not accepted within connectTimeoutMs) reports the peer unreachable, drops what was
 * queued (Raft resends what still matters, fresher) and starts a backoff during which new
 * messages are dropped; the first message after the backoff opens a new stream. The backoff
 * doubles per consecutive failure and resets once a stream has stayed open for backoffMsMax,
 * so a peer that accepts streams and then refuses them (wrong cluster) is not hammered.
 */
export class PeerLink {
  private state: PeerLinkState = 'idle';
  private readonly queue: BoundedQueue<OutgoingMessage>;
  private readonly backoff: Backoff;
  private readonly batchOverheadBytes: number;
  private client: RaftTransportClient | null = null;
  private call: grpc.ClientWritableStream<MessageBatch> | null = null;
  /** Identifies the current stream; callbacks of an older stream compare unequal and are ignored. */
  private generation = 0;
  private inFlight: OutgoingMessage[] | null = null;
  private pumpScheduled = false;
  private connectTimer: NodeJS.Timeout | null = null;
  private backoffTimer: NodeJS.Timeout | null = null;
  private openedAtMs: number | null = null;
  private queueFullStreak = false;
  private readonly counters = {
    sentBatches: 0,
    sentMessages: 0,
    droppedQueueFull: 0,
    droppedBackoff: 0,
    droppedOversize: 0,
    droppedOnFailure: 0,
    failures: 0,
  };
  private lastError: string | null = null;

  constructor(
    readonly peer: NodeId,
    readonly address: string,
    private readonly ctx: PeerLinkContext,
  ) {
    const o = ctx.options;
    this.queue = new BoundedQueue(o.queueMessagesMax, o.queueBytesMax);
    this.backoff = new Backoff(o.backoffMsMin, o.backoffMsMax, o.random);
    this.batchOverheadBytes = batchOverheadBoundBytes(o.id, o.clusterId);
  }

  /** Queue one message, opening the stream if idle; drops (and counts) instead of blocking. */
  enqueue(item: OutgoingMessage): void {
    if (this.state === 'closed') return;
    const o = this.ctx.options;
    if (item.sizeBytes + this.batchOverheadBytes > o.messageBytesMax) {
      this.counters.droppedOversize += 1;
      o.logger.warn(
        { peer: this.peer, sizeBytes: item.sizeBytes, messageBytesMax: o.messageBytesMax },
        'raft transport: message larger than messageBytesMax dropped',
      );
      this.dropped(item);
      return;
    }
    if (this.state === 'backoff') {
      this.counters.droppedBackoff += 1;
      this.dropped(item);
      return;
    }
    if (!this.queue.push(item, item.sizeBytes)) {
      this.counters.droppedQueueFull += 1;
      if (!this.queueFullStreak) {
        this.queueFullStreak = true;
        o.logger.warn(
          { peer: this.peer, queuedMessages: this.queue.length, queuedBytes: this.queue.sizeBytes },
          'raft transport: peer queue full, dropping messages',
        );
      }
      this.dropped(item);
      return;
    }
    this.queueFullStreak = false;
    if (this.state === 'idle') this.open();
    this.schedulePump();
  }

  /** Stop for good: cancel the stream, discard the queue, clear timers. Idempotent. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.generation += 1;
    if (this.backoffTimer !== null) clearTimeout(this.backoffTimer);
    this.backoffTimer = null;
    this.teardownStream();
    this.queue.clear();
    this.inFlight = null;
  }

  /** A snapshot of the link's counters. */
  stats(): PeerLinkStats {
    return {
      address: this.address,
      state: this.state,
      queuedMessages: this.queue.length,
      queuedBytes: this.queue.sizeBytes,
      ...this.counters,
      lastError: this.lastError,
    };
  }

  private dropped(item: OutgoingMessage): void {
    if (item.isSnapshot) this.ctx.reportSnapshot(this.peer, false);
  }

  private open(): void {
    const o = this.ctx.options;
    this.generation += 1;
    const generation = this.generation;
    this.state = 'connecting';
    let client: RaftTransportClient | null = null;
    let call: grpc.ClientWritableStream<MessageBatch>;
    try {
      client = new this.ctx.proto.Client(
        this.address,
        o.channelCredentials,
        clientChannelOptions(o),
      );
      call = client.Stream((err) => this.onStreamEnd(generation, err));
    } catch (err) {
      // An address gRPC cannot even parse: fail like any other attempt, but not inside send().
      client?.close();
      const details = `cannot dial ${JSON.stringify(this.address)}: ${String(err)}`;
      queueMicrotask(() => this.fail(generation, grpc.status.INVALID_ARGUMENT, details));
      return;
    }
    this.client = client;
    this.call = call;
    call.on('metadata', () => this.onAccepted(generation));
    // Failures arrive through the callback above; this listener only keeps a stray stream
    // 'error' event from becoming an uncaught exception.
    call.on('error', () => {});
    this.connectTimer = setTimeout(() => {
      this.fail(generation, grpc.status.DEADLINE_EXCEEDED, 'stream not accepted in time');
    }, o.connectTimeoutMs);
    this.connectTimer.unref();
    o.logger.debug({ peer: this.peer, address: this.address }, 'raft transport: opening stream');
  }

  private onAccepted(generation: number): void {
    if (generation !== this.generation || this.state !== 'connecting') return;
    this.state = 'open';
    this.openedAtMs = Date.now();
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.ctx.options.logger.debug(
      { peer: this.peer, address: this.address },
      'raft transport: stream open',
    );
    this.pump();
  }

  private onStreamEnd(generation: number, err: grpc.ServiceError | null): void {
    if (err === null) {
      this.fail(generation, grpc.status.OK, 'peer ended the stream');
    } else {
      this.fail(generation, err.code, err.details);
    }
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // A microtask, so every message of the current send() call can join the first batch.
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Write the next batch if the stream exists, nothing is outstanding and messages wait. */
  private pump(): void {
    const call = this.call;
    if (this.state !== 'open' || call === null || this.inFlight !== null) return;
    if (this.queue.length === 0) return;
    const o = this.ctx.options;
    const batch = this.queue.takeBatch(
      o.batchMessagesMax,
      o.batchBytesMax - this.batchOverheadBytes,
    );
    this.inFlight = batch;
    const generation = this.generation;
    const frame: MessageBatch = {
      messages: batch.map((item) => item.wire),
      from: o.id,
      clusterId: o.clusterId,
    };
    call.write(frame, (err: Error | null | undefined) => this.onWritten(generation, err));
  }

  private onWritten(generation: number, err: Error | null | undefined): void {
    if (generation !== this.generation) return; // that stream failed; already accounted for
    const batch = this.inFlight ?? [];
    this.inFlight = null;
    if (err) {
      // The stream is failing; its status callback follows and starts the backoff.
      this.counters.droppedOnFailure += batch.length;
      for (const item of batch) this.dropped(item);
      return;
    }
    this.counters.sentBatches += 1;
    this.counters.sentMessages += batch.length;
    for (const item of batch) {
      if (item.isSnapshot) this.ctx.reportSnapshot(this.peer, true);
    }
    this.pump();
  }

  private fail(generation: number, code: grpc.status, details: string): void {
    if (generation !== this.generation || this.state === 'closed') return;
    const o = this.ctx.options;
    this.generation += 1;
    this.teardownStream();
    const lost = [...(this.inFlight ?? []), ...this.queue.clear()];
    this.inFlight = null;
    this.counters.droppedOnFailure += lost.length;
    for (const item of lost) this.dropped(item);
    this.counters.failures += 1;
    this.lastError = `${grpc.status[code] ?? code}: ${details}`;
    if (this.openedAtMs !== null && Date.now() - this.openedAtMs >= o.backoffMsMax) {
      this.backoff.reset();
    }
    this.openedAtMs = null;
    const delayMs = this.backoff.nextDelayMs();
    this.state = 'backoff';
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = null;
      if (this.state === 'backoff') this.state = 'idle';
    }, delayMs);
    this.backoffTimer.unref();
    o.logger.warn(
      { peer: this.peer, address: this.address, error: this.lastError, retryInMs: delayMs },
      'raft transport: peer unreachable',
    );
    this.ctx.reportUnreachable(this.peer);
  }

  private teardownStream(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    const call = this.call;
    const client = this.client;
    this.call = null;
    this.client = null;
    call?.cancel();
    client?.close();
  }
}
