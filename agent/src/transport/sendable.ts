import type { Message, MessageType } from '../raft/types.js';
import { CodecError, encodeMessage } from './message-codec.js';

/**
 * Message types that exist only inside one node (see types.ts). A transport refuses to send
 * them: a MsgHup reaching a peer, say, would make that peer campaign.
 */
export const LOCAL_MESSAGE_TYPES: ReadonlySet<MessageType> = new Set<MessageType>([
  'MsgHup',
  'MsgBeat',
  'MsgCheckQuorum',
  'MsgUnreachable',
  'MsgSnapStatus',
]);

/**
 * The wire form of `m` if it may be sent to a peer. Throws {@link CodecError} for a local-only
 * type or a field the codec refuses: both are bugs in the caller, reported where they happen
 * rather than as a mysterious failure on the receiving node. Every transport checks with this,
 * so the in-memory one refuses exactly what the gRPC one refuses.
 */
export function encodeSendable(m: Message): ReturnType<typeof encodeMessage> {
  if (LOCAL_MESSAGE_TYPES.has(m.type)) {
    throw new CodecError(`${m.type} is local to a node and cannot be sent`);
  }
  return encodeMessage(m);
}
