/**
 * The agent-to-agent transport for Raft messages: the {@link Transport} contract the Raft
 * driver codes against, its gRPC implementation for production and its in-memory one for
 * tests. See docs/transport.md.
 */
export type {
  MessageHandler,
  SnapshotStatusListener,
  Transport,
  UnreachableListener,
  Unsubscribe,
} from './transport.js';
export { GrpcTransport, type GrpcTransportStats } from './grpc-transport.js';
export type { GrpcTransportOptions } from './grpc-transport-options.js';
export type { PeerLinkState, PeerLinkStats } from './peer-link.js';
export type { TransportLogger } from './transport-logger.js';
export {
  InMemoryNetwork,
  type InMemoryNetworkOptions,
  type InMemoryNetworkStats,
  type LinkMode,
} from './in-memory-network.js';
export {
  InMemoryTransport,
  type InMemoryTransportOptions,
  type InMemoryTransportStats,
} from './in-memory-transport.js';
export { CodecError, decodeMessage, encodeMessage } from './message-codec.js';
export { LOCAL_MESSAGE_TYPES } from './sendable.js';
