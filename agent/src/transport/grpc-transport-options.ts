import * as grpc from '@grpc/grpc-js';

import type { NodeId } from '../raft/types.js';
import { SILENT_LOGGER, type TransportLogger } from './transport-logger.js';

/** Bytes in a mebibyte. */
const MIB = 1024 * 1024;

/**
 * Configuration of a {@link GrpcTransport}. Only `id`, `clusterId` and `listenAddress` are
 * required; every limit has a default sized for a LAN cluster of a handful of agents.
 *
 * Security: `serverCredentials` and `channelCredentials` default to insecure (plaintext
 * HTTP/2). Mutual TLS plugs in here without code changes: pass
 * `grpc.ServerCredentials.createSsl(ca, [{ private_key, cert_chain }], true)` and
 * `grpc.credentials.createSsl(ca, key, cert)`, plus `channelOptions` such as
 * `grpc.ssl_target_name_override` when peer certificates name nodes rather than addresses.
 */
export interface GrpcTransportOptions {
  /** This node's id: stamped on batches, and received messages not addressed to it are dropped. */
  id: NodeId;
  /** The cluster this node belongs to; streams from another cluster are refused. */
  clusterId: string;
  /** Where to listen, "host:port"; port 0 picks a free port (read it back from `address`). */
  listenAddress: string;
  /** Initial peer addresses ("host:port") by node id; change them later with `setPeer`. */
  peers?: Record<NodeId, string>;
  /** Server credentials (default insecure; pass TLS credentials for mutual TLS). */
  serverCredentials?: grpc.ServerCredentials;
  /** Client credentials for dialling peers (default insecure). */
  channelCredentials?: grpc.ChannelCredentials;
  /** Extra gRPC channel options for clients, applied last (e.g. TLS name override). */
  channelOptions?: grpc.ChannelOptions;
  /** Extra gRPC server options, applied last. */
  serverOptions?: grpc.ServerOptions;
  /**
   * Other services the agent serves on the same port and credentials (node leases, the admin
   * API), added to the server before it binds.
   */
  extraServices?: {
    definition: grpc.ServiceDefinition;
    implementation: grpc.UntypedServiceImplementation;
  }[];
  /**
   * Largest gRPC message (one batch) sent or accepted, in bytes; bounds the largest snapshot
   * that can travel. Default 64 MiB. Must be the same on every agent.
   */
  messageBytesMax?: number;
  /** Batches close at this many bytes (a larger single message travels alone). Default 4 MiB. */
  batchBytesMax?: number;
  /** Batches close at this many messages. Default 512. */
  batchMessagesMax?: number;
  /** Most messages queued per peer; more are dropped and counted. Default 4096. */
  queueMessagesMax?: number;
  /** Most bytes queued per peer (at least messageBytesMax). Default 2 × messageBytesMax. */
  queueBytesMax?: number;
  /** Reconnect delay after a first failure. Default 100 ms. */
  backoffMsMin?: number;
  /** Cap on the reconnect delay, which doubles per consecutive failure. Default 2000 ms. */
  backoffMsMax?: number;
  /** A stream that has not been accepted by the peer after this long is failed. Default 3000 ms. */
  connectTimeoutMs?: number;
  /** HTTP/2 keepalive ping interval on both client and server. Default 2000 ms. */
  keepaliveIntervalMs?: number;
  /** A connection whose ping is unanswered after this long is declared dead. Default 2000 ms. */
  keepaliveTimeoutMs?: number;
  /** How long `close()` lets the server finish gracefully before forcing it. Default 1000 ms. */
  closeGraceMs?: number;
  /** Path of raft.proto; default: found by walking up from this module. */
  protoPath?: string;
  /** Where connection events go; default silent. A pino logger fits. */
  logger?: TransportLogger;
  /** Uniform source in [0, 1) for backoff jitter; default Math.random. */
  random?: () => number;
}

/** The options with every default filled in and every limit validated. */
export type ResolvedGrpcTransportOptions = Required<
  Omit<
    GrpcTransportOptions,
    'peers' | 'protoPath' | 'channelOptions' | 'serverOptions' | 'extraServices'
  >
> &
  Pick<GrpcTransportOptions, 'protoPath'> & {
    peers: Record<NodeId, string>;
    channelOptions: grpc.ChannelOptions;
    serverOptions: grpc.ServerOptions;
    extraServices: NonNullable<GrpcTransportOptions['extraServices']>;
  };

/**
 * Fill in defaults and check every limit (positive integers, min ≤ max, a batch and the
 * queue can hold the largest message). Throws RangeError naming the bad option.
 */
export function resolveGrpcTransportOptions(
  options: GrpcTransportOptions,
): ResolvedGrpcTransportOptions {
  const messageBytesMax = options.messageBytesMax ?? 64 * MIB;
  const resolved: ResolvedGrpcTransportOptions = {
    id: options.id,
    clusterId: options.clusterId,
    listenAddress: options.listenAddress,
    peers: { ...(options.peers ?? {}) },
    serverCredentials: options.serverCredentials ?? grpc.ServerCredentials.createInsecure(),
    channelCredentials: options.channelCredentials ?? grpc.credentials.createInsecure(),
    channelOptions: options.channelOptions ?? {},
    serverOptions: options.serverOptions ?? {},
    extraServices: options.extraServices ?? [],
    messageBytesMax,
    batchBytesMax: options.batchBytesMax ?? Math.min(4 * MIB, messageBytesMax),
    batchMessagesMax: options.batchMessagesMax ?? 512,
    queueMessagesMax: options.queueMessagesMax ?? 4096,
    queueBytesMax: options.queueBytesMax ?? 2 * messageBytesMax,
    backoffMsMin: options.backoffMsMin ?? 100,
    backoffMsMax: options.backoffMsMax ?? 2000,
    connectTimeoutMs: options.connectTimeoutMs ?? 3000,
    keepaliveIntervalMs: options.keepaliveIntervalMs ?? 2000,
    keepaliveTimeoutMs: options.keepaliveTimeoutMs ?? 2000,
    closeGraceMs: options.closeGraceMs ?? 1000,
    protoPath: options.protoPath,
    logger: options.logger ?? SILENT_LOGGER,
    random: options.random ?? Math.random,
  };
  if (typeof resolved.id !== 'string' || resolved.id === '') {
    throw new RangeError('id must be a non-empty string');
  }
  if (typeof resolved.clusterId !== 'string' || resolved.clusterId === '') {
    throw new RangeError('clusterId must be a non-empty string');
  }
  for (const key of [
    'messageBytesMax',
    'batchBytesMax',
    'batchMessagesMax',
    'queueMessagesMax',
    'queueBytesMax',
    'backoffMsMin',
    'backoffMsMax',
    'connectTimeoutMs',
    'keepaliveIntervalMs',
    'keepaliveTimeoutMs',
    'closeGraceMs',
  ] as const) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`${key} must be a positive integer, got ${value}`);
    }
  }
  if (resolved.messageBytesMax > 2 ** 31 - 1) {
    throw new RangeError('messageBytesMax must stay below 2 GiB (a gRPC limit)');
  }
  if (resolved.batchBytesMax > resolved.messageBytesMax) {
    throw new RangeError('batchBytesMax must not exceed messageBytesMax');
  }
  if (resolved.queueBytesMax < resolved.messageBytesMax) {
    throw new RangeError('queueBytesMax must be at least messageBytesMax');
  }
  if (resolved.backoffMsMax < resolved.backoffMsMin) {
    throw new RangeError('backoffMsMax must be at least backoffMsMin');
  }
  return resolved;
}

/**
 * gRPC options for every client channel: size limits, keepalive for fast detection of a dead
 * peer, no gRPC-level retries (the transport reconnects itself and Raft resends) and so no
 * retry buffer (a write then completes only once HTTP/2 has taken it: real back-pressure),
 * and a private subchannel so each reconnect attempt dials afresh instead of inheriting a
 * shared connection's own (slower, 120 s capped) backoff.
 */
export function clientChannelOptions(o: ResolvedGrpcTransportOptions): grpc.ChannelOptions {
  return {
    'grpc.max_send_message_length': o.messageBytesMax,
    'grpc.max_receive_message_length': o.messageBytesMax,
    'grpc.keepalive_time_ms': o.keepaliveIntervalMs,
    'grpc.keepalive_timeout_ms': o.keepaliveTimeoutMs,
    'grpc.keepalive_permit_without_calls': 0,
    'grpc.enable_retries': 0,
    'grpc.per_rpc_retry_buffer_size': 0,
    'grpc.use_local_subchannel_pool': 1,
    'grpc.initial_reconnect_backoff_ms': o.backoffMsMin,
    'grpc.max_reconnect_backoff_ms': o.backoffMsMax,
    ...o.channelOptions,
  };
}

/** gRPC options for the server: the same size limits and keepalive as the clients. */
export function serverChannelOptions(o: ResolvedGrpcTransportOptions): grpc.ServerOptions {
  return {
    'grpc.max_send_message_length': o.messageBytesMax,
    'grpc.max_receive_message_length': o.messageBytesMax,
    'grpc.keepalive_time_ms': o.keepaliveIntervalMs,
    'grpc.keepalive_timeout_ms': o.keepaliveTimeoutMs,
    ...o.serverOptions,
  };
}
