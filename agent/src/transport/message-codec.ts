import type {
  ConfState,
  Entry,
  EntryType,
  Message,
  MessageType,
  Snapshot,
  SnapshotMetadata,
} from '../raft/types.js';
import type {
  Entry as WireEntry,
  Entry__Output as WireEntryOut,
} from './generated/quorate/raft/Entry.js';
import type { EntryType__Output as WireEntryType } from './generated/quorate/raft/EntryType.js';
import type {
  Message as WireMessage,
  Message__Output as WireMessageOut,
} from './generated/quorate/raft/Message.js';
import type { MessageType__Output as WireMessageType } from './generated/quorate/raft/MessageType.js';
import type {
  Snapshot as WireSnapshot,
  Snapshot__Output as WireSnapshotOut,
} from './generated/quorate/raft/Snapshot.js';
import type { SnapshotMetadata__Output as WireSnapshotMetadataOut } from './generated/quorate/raft/SnapshotMetadata.js';
import type { ConfState__Output as WireConfStateOut } from './generated/quorate/raft/ConfState.js';

/**
 * Conversion between the Raft core's {@link Message} and the plain objects that
 * `@grpc/proto-loader` serialises as `quorate.raft.Message` (proto/raft.proto). Lossless for
 * every field of every well-formed message: decode(encode(m)) deep-equals m.
 *
 * Numbers: indexes and terms are uint64 on the wire and JavaScript numbers here, loaded with
 * `longs: Number`. Both directions refuse anything but a non-negative safe integer (below
 * 2^53), so a precision loss can never pass silently; no real log reaches 2^53.
 * Strings: proto strings are UTF-8, so a string holding a lone UTF-16 surrogate (which UTF-8
 * cannot represent) is refused rather than silently altered.
 * Bytes: decoded `data` is a plain Uint8Array viewing the received buffer (no copy).
 */

/** A message that cannot cross the wire unchanged, or a received one that is malformed. */
export class CodecError extends Error {
  override name = 'CodecError';
}

/** Wire name of each message type; the `Record` makes the compiler insist on completeness. */
const WIRE_MESSAGE_TYPE: Record<MessageType, WireMessageType> = {
  MsgHup: 'MSG_HUP',
  MsgBeat: 'MSG_BEAT',
  MsgCheckQuorum: 'MSG_CHECK_QUORUM',
  MsgUnreachable: 'MSG_UNREACHABLE',
  MsgSnapStatus: 'MSG_SNAP_STATUS',
  MsgProp: 'MSG_PROP',
  MsgApp: 'MSG_APP',
  MsgAppResp: 'MSG_APP_RESP',
  MsgPreVote: 'MSG_PRE_VOTE',
  MsgPreVoteResp: 'MSG_PRE_VOTE_RESP',
  MsgVote: 'MSG_VOTE',
  MsgVoteResp: 'MSG_VOTE_RESP',
  MsgSnap: 'MSG_SNAP',
  MsgHeartbeat: 'MSG_HEARTBEAT',
  MsgHeartbeatResp: 'MSG_HEARTBEAT_RESP',
  MsgTransferLeader: 'MSG_TRANSFER_LEADER',
  MsgTimeoutNow: 'MSG_TIMEOUT_NOW',
  MsgReadIndex: 'MSG_READ_INDEX',
  MsgReadIndexResp: 'MSG_READ_INDEX_RESP',
};

const MESSAGE_TYPE_OF_WIRE = new Map<string, MessageType>(
  Object.entries(WIRE_MESSAGE_TYPE).map(([type, wire]) => [wire, type as MessageType]),
);

const WIRE_ENTRY_TYPE: Record<EntryType, WireEntryType> = {
  normal: 'ENTRY_NORMAL',
  'conf-change': 'ENTRY_CONF_CHANGE',
};

const ENTRY_TYPE_OF_WIRE = new Map<string, EntryType>(
  Object.entries(WIRE_ENTRY_TYPE).map(([type, wire]) => [wire, type as EntryType]),
);

/** Matches a UTF-16 code unit that is half of a surrogate pair standing alone. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * The wire form of `m`, ready for serialisation. Throws {@link CodecError} if a field cannot
 * travel unchanged (unknown type, a number that is not a non-negative safe integer, a string
 * with a lone surrogate, data that is not a Uint8Array). Byte arrays are shared, not copied.
 */
export function encodeMessage(m: Message): WireMessage {
  const type = WIRE_MESSAGE_TYPE[m.type];
  if (type === undefined) throw new CodecError(`unknown message type ${String(m.type)}`);
  if (typeof m.reject !== 'boolean') throw new CodecError('reject must be a boolean');
  if (!Array.isArray(m.entries)) throw new CodecError('entries must be an array');
  return {
    type,
    from: checkString(m.from, 'from'),
    to: checkString(m.to, 'to'),
    term: checkUint(m.term, 'term'),
    logTerm: checkUint(m.logTerm, 'logTerm'),
    index: checkUint(m.index, 'index'),
    entries: m.entries.map(encodeEntry),
    commit: checkUint(m.commit, 'commit'),
    reject: m.reject,
    rejectHint: checkUint(m.rejectHint, 'rejectHint'),
    snapshot: m.snapshot === null ? null : encodeSnapshot(m.snapshot),
    context: checkString(m.context, 'context'),
  };
}

/**
 * The message a received wire object stands for. Throws {@link CodecError} if it is not a
 * valid Raft message (missing or unknown type, a number at or above 2^53). Missing nested
 * fields take their proto3 zero values, except `snapshot`, whose absence means null.
 */
export function decodeMessage(w: WireMessageOut): Message {
  const type = MESSAGE_TYPE_OF_WIRE.get(String(w.type));
  if (type === undefined) throw new CodecError(`unknown message type ${String(w.type)}`);
  return {
    type,
    from: w.from,
    to: w.to,
    term: checkUint(w.term, 'term'),
    logTerm: checkUint(w.logTerm, 'logTerm'),
    index: checkUint(w.index, 'index'),
    entries: w.entries.map(decodeEntry),
    commit: checkUint(w.commit, 'commit'),
    reject: w.reject,
    rejectHint: checkUint(w.rejectHint, 'rejectHint'),
    snapshot: w.snapshot === null ? null : decodeSnapshot(w.snapshot),
    context: w.context,
  };
}

function encodeEntry(e: Entry): WireEntry {
  const type = WIRE_ENTRY_TYPE[e.type];
  if (type === undefined) throw new CodecError(`unknown entry type ${String(e.type)}`);
  return {
    term: checkUint(e.term, 'entry.term'),
    index: checkUint(e.index, 'entry.index'),
    type,
    data: checkBytes(e.data, 'entry.data'),
  };
}

function decodeEntry(w: WireEntryOut): Entry {
  const type = ENTRY_TYPE_OF_WIRE.get(String(w.type));
  if (type === undefined) throw new CodecError(`unknown entry type ${String(w.type)}`);
  return {
    term: checkUint(w.term, 'entry.term'),
    index: checkUint(w.index, 'entry.index'),
    type,
    data: toUint8Array(w.data),
  };
}

function encodeSnapshot(s: Snapshot): WireSnapshot {
  const md = s.metadata;
  return {
    metadata: {
      index: checkUint(md.index, 'snapshot.metadata.index'),
      term: checkUint(md.term, 'snapshot.metadata.term'),
      confState: {
        voters: checkStrings(md.confState.voters, 'voters'),
        learners: checkStrings(md.confState.learners, 'learners'),
      },
    },
    data: checkBytes(s.data, 'snapshot.data'),
  };
}

function decodeSnapshot(w: WireSnapshotOut): Snapshot {
  return { metadata: decodeMetadata(w.metadata), data: toUint8Array(w.data) };
}

function decodeMetadata(w: WireSnapshotMetadataOut | null): SnapshotMetadata {
  if (w === null) return { index: 0, term: 0, confState: { voters: [], learners: [] } };
  return {
    index: checkUint(w.index, 'snapshot.metadata.index'),
    term: checkUint(w.term, 'snapshot.metadata.term'),
    confState: decodeConfState(w.confState),
  };
}

function decodeConfState(w: WireConfStateOut | null): ConfState {
  if (w === null) return { voters: [], learners: [] };
  return { voters: [...w.voters], learners: [...w.learners] };
}

function checkUint(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new CodecError(
      `${field} must be a non-negative integer below 2^53, got ${String(value)}`,
    );
  }
  return value;
}

function checkString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new CodecError(`${field} must be a string`);
  if (LONE_SURROGATE.test(value)) {
    throw new CodecError(`${field} holds a lone UTF-16 surrogate, which UTF-8 cannot carry`);
  }
  return value;
}

function checkStrings(values: unknown, field: string): string[] {
  if (!Array.isArray(values)) throw new CodecError(`${field} must be an array of strings`);
  return values.map((v, i) => checkString(v, `${field}[${i}]`));
}

function checkBytes(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new CodecError(`${field} must be a Uint8Array`);
  return value;
}

/**
 * A plain Uint8Array (not a Buffer subclass, so decoded messages deep-equal the originals),
 * viewing the same memory when given a byte array.
 */
function toUint8Array(bytes: unknown): Uint8Array {
  if (bytes instanceof Uint8Array) {
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  if (bytes === null || bytes === undefined) return new Uint8Array(0);
  if (Array.isArray(bytes)) return Uint8Array.from(bytes as number[]);
  throw new CodecError('bytes field of an unexpected type');
}
