import type { Message } from '../raft/types.js';

/**
 * Upper bounds on the protobuf-encoded size of messages and batches (proto/raft.proto), cheap
 * enough to compute for every message sent. The transport uses them to keep batches under the
 * gRPC message-size limit and to bound its queues in bytes, without serialising twice.
 *
 * The bound assumes the worst encoding of each field: a 1-byte tag (every field number is
 * below 16), a 10-byte varint for every integer, a 5-byte length prefix for every string,
 * byte array and nested message. Real messages are smaller by tens of bytes at most, so the
 * bound is tight where it matters (large entries and snapshots).
 */

const TAG_BYTES = 1;
const VARINT_BYTES_MAX = 10;
const LENGTH_BYTES_MAX = 5;
/** Tag, length prefix: what a string, byte array or nested message costs besides its body. */
const FRAMED_BYTES = TAG_BYTES + LENGTH_BYTES_MAX;
const INTEGER_FIELD_BYTES = TAG_BYTES + VARINT_BYTES_MAX;

/** Bound on the encoded size of `m` as one element of `MessageBatch.messages`, in bytes. */
export function messageSizeBoundBytes(m: Message): number {
  let body =
    INTEGER_FIELD_BYTES * 6 + // type, term, log_term, index, commit, reject_hint
    TAG_BYTES +
    1 + // reject
    stringBytes(m.from) +
    stringBytes(m.to) +
    stringBytes(m.context);
  for (const e of m.entries) {
    body += FRAMED_BYTES + INTEGER_FIELD_BYTES * 3 + FRAMED_BYTES + e.data.byteLength;
  }
  if (m.snapshot !== null) {
    const cs = m.snapshot.metadata.confState;
    let confState = 0;
    for (const id of cs.voters) confState += stringBytes(id);
    for (const id of cs.learners) confState += stringBytes(id);
    const metadata = INTEGER_FIELD_BYTES * 2 + FRAMED_BYTES + confState;
    body += FRAMED_BYTES + FRAMED_BYTES + metadata + FRAMED_BYTES + m.snapshot.data.byteLength;
  }
  return FRAMED_BYTES + body;
}

/** Bound on what a `MessageBatch` costs besides its messages (its `from` and `cluster_id`). */
export function batchOverheadBoundBytes(from: string, clusterId: string): number {
  return stringBytes(from) + stringBytes(clusterId);
}

function stringBytes(s: string): number {
  return FRAMED_BYTES + Buffer.byteLength(s, 'utf8');
}
