import type * as grpc from '@grpc/grpc-js';
import type { NodeLiveness } from '../liveness/lease-table.js';
import type { RaftDriver } from '../raft/driver/raft-driver.js';
import type { ClusterStateDoc } from '../state/cluster-state.js';

/**
 * The agent's address book: where each member's agent listens. Shared with the Raft
 * transport and the node agent's lease client, so a member added at run time is dialled by
 * all three (`set` updates every one of them).
 */
export interface AddressBook {
  /** The address of `node` ("host:port"), if known. */
  get(node: string): string | undefined;
  /** Remember (or replace) `node`'s address everywhere it is used. */
  set(node: string, address: string): void;
}

/** The part of the Raft driver the admin API uses. */
export type AdminDriver = Pick<
  RaftDriver,
  'propose' | 'readBarrier' | 'status' | 'transferLeadership' | 'proposeConfChange'
>;

/** Everything the admin API's handlers run with; one object names every dependency. */
export interface AdminContext {
  /** This agent's node id and cluster id. */
  id: string;
  clusterId: string;
  driver: AdminDriver;
  /** The replicated state as this agent has applied it. Read only: change it by proposals. */
  state: { readonly state: Readonly<ClusterStateDoc> };
  /** The leader's lease verdict per member (null when this agent is not a leader with one). */
  livenessView(): Record<string, NodeLiveness> | null;
  addresses: AddressBook;
  /** Credentials for calls to other agents' Admin services (relaying to the leader, pings). */
  channelCredentials: grpc.ChannelCredentials;
  /** Channel options for those calls (the TLS server name agents' certificates carry). */
  channelOptions?: grpc.ChannelOptions;
  /** Wall-clock time, stamped on commands as the cluster's clock (`atMs`). */
  nowMs(): number;
  /** How long a relayed call or a confirmation wait may take at most. */
  requestTimeoutMs: number;
}
