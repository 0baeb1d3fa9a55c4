/**
 * The wrapping of every proposed command in the log: a request id (so the node that proposed
 * it can answer its caller when it is applied, even when a follower forwarded it to the
 * leader) and the command bytes the state machine sees.
 *
 * Layout: version byte (1), request-id length (u16 big-endian), request id (UTF-8), command.
 */
const VERSION = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A decoded log command. */
export interface CommandEnvelope {
  requestId: string;
  command: Uint8Array;
}

/** Wrap `command` with `requestId` for the log. */
export function encodeEnvelope(requestId: string, command: Uint8Array): Uint8Array {
  const id = encoder.encode(requestId);
  if (id.length > 0xffff) throw new Error('request id too long');
  const out = new Uint8Array(3 + id.length + command.length);
  out[0] = VERSION;
  out[1] = id.length >>> 8;
  out[2] = id.length & 0xff;
  out.set(id, 3);
  out.set(command, 3 + id.length);
  return out;
}

/** Unwrap a log command; throws on bytes that no `encodeEnvelope` produced. */
export function decodeEnvelope(data: Uint8Array): CommandEnvelope {
  if (data.length < 3 || data[0] !== VERSION)
    throw new Error('log entry is not a command envelope');
  const idLength = (data[1]! << 8) | data[2]!;
  if (3 + idLength > data.length) throw new Error('log entry envelope is truncated');
  return {
    requestId: decoder.decode(data.subarray(3, 3 + idLength)),
    command: data.subarray(3 + idLength),
  };
}
