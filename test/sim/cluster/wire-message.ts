import type { Message, NodeId } from '../../../agent/src/raft/types.js';
import { copyMessage } from '../raft-data-copy.js';
import type { MessageEnvelope } from '../sim-network.js';
import { formatMessage } from '../trace-format.js';

/**
 * What travels between simulated hosts: Raft messages, and the lease protocol's messages
 * (proto/liveness.proto): renewal requests to every voter and their yes (`ack`, with the
 * leader's grant and commit index when the voter leads, see `NodeLease.mayStart`), and a
 * leader's revocation requests and their answers. An answer names the asking agent's
 * incarnation, so one meant for an agent that has since restarted is ignored (its new lease
 * counts request ids from 1 again; its new leadership asks anew).
 */
export type WirePayload =
  | { kind: 'raft'; msg: Message }
  | { kind: 'renew'; requestId: number; incarnation: number; upMs: number }
  | {
      kind: 'ack';
      requestId: number;
      incarnation: number;
      leaderGrant: boolean;
      commitIndex: number;
    }
  | { kind: 'revoke'; node: NodeId; term: number; sentAtMs: number; incarnation: number }
  | {
      kind: 'revoke-answer';
      node: NodeId;
      term: number;
      sentAtMs: number;
      incarnation: number;
      revoked: boolean;
      holdMs: number;
      remainingMs: number;
    };

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
  if (p.kind === 'revoke') return `revoke ${p.node} ${m.from}→${m.to} t${p.term}`;
  if (p.kind === 'revoke-answer')
    return `revoke-answer ${p.node} ${m.from}→${m.to} ${p.revoked ? 'yes' : `no ${p.remainingMs}ms`}`;
  return `${p.kind} ${m.from}→${m.to} #${p.incarnation}/${p.requestId}`;
}

/**
 * Wire messages on the simulated network: addressed by their `from`/`to`, copied with
 * {@link copyWireMessage}, traced with {@link formatWireMessage} on delivery and on a drop.
 */
export const WIRE_MESSAGE_ENVELOPE: MessageEnvelope<WireMessage> = {
  from: (m) => m.from,
  to: (m) => m.to,
  copy: copyWireMessage,
  describe: formatWireMessage,
  describeDrop: formatWireMessage,
};
