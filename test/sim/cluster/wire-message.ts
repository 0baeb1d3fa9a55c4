import type { Message, NodeId } from '../../../agent/src/raft/types.js';
import { copyMessage } from '../raft-data-copy.js';
import { formatMessage } from '../trace-format.js';

/**
 * What travels between simulated hosts: Raft messages, and the lease protocol's renewal
 * requests and grants. A grant names the requester's agent incarnation and request id, so a
 * grant meant for an agent that has since restarted is ignored (its new lease counts request
 * ids from 1 again). A grant carries the leader's commit index (see `NodeLease.mayStart`).
 */
export type WirePayload =
  | { kind: 'raft'; msg: Message }
  | { kind: 'renew'; requestId: number; incarnation: number }
  | { kind: 'grant'; requestId: number; incarnation: number; commitIndex: number };

/** One message on the simulated wire. */
export interface WireMessage {
  from: NodeId;
  to: NodeId;
  payload: WirePayload;
}

/** A deep copy, as if the message had been encoded and decoded. */
export function copyWireMessage(m: WireMessage): WireMessage {
  const p = m.payload;
  return {
    from: m.from,
    to: m.to,
    payload: p.kind === 'raft' ? { kind: 'raft', msg: copyMessage(p.msg) } : { ...p },
  };
}

/** A one-line rendering for the trace. */
export function formatWireMessage(m: WireMessage): string {
  const p = m.payload;
  if (p.kind === 'raft') return formatMessage(p.msg);
  return `${p.kind} ${m.from}→${m.to} #${p.incarnation}/${p.requestId}`;
}
