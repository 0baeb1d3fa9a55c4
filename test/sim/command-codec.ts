const PREFIX = 'cmd:';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The payload of a client command in the simulated state machine: `cmd:<id>` as UTF-8. Every
 * command gets a unique id, so an applied entry can be matched back to the proposal (and the
 * client acknowledged) by id alone. Text keeps traces and failing logs readable.
 */
export function encodeCommand(id: number): Uint8Array {
  return encoder.encode(`${PREFIX}${id}`);
}

/** The command id carried by `data`, or null when it is not a client command (e.g. a no-op). */
export function decodeCommandId(data: Uint8Array): number | null {
  if (data.length <= PREFIX.length || data[0] !== 0x63 /* 'c' */) return null;
  const text = decoder.decode(data);
  if (!text.startsWith(PREFIX)) return null;
  const id = Number(text.slice(PREFIX.length));
  return Number.isSafeInteger(id) ? id : null;
}
