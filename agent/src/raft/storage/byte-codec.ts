/**
 * Little helpers for the binary formats: unsigned LEB128 varints (any safe integer, 1 to 8
 * bytes), single bytes, length-prefixed byte strings and UTF-8 strings. Varints keep the
 * common small numbers (terms, counts, short lengths) to one or two bytes.
 */

/** Largest number of bytes a varint of a safe integer (53 bits) takes. */
const MAX_VARINT_BYTES = 8;

/**
 * Thrown by {@link ByteReader} when the bytes do not decode (truncated or malformed). The
 * file formats wrap it in a `StorageError` that says where the bytes came from.
 */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

/** Appends encoded values to a growing buffer; `finish()` returns exactly the bytes written. */
export class ByteWriter {
  private buffer: Buffer;
  private lengthBytes = 0;

  constructor(initialCapacityBytes = 64) {
    this.buffer = Buffer.allocUnsafe(Math.max(16, initialCapacityBytes));
  }

  /** Bytes written so far. */
  get size(): number {
    return this.lengthBytes;
  }

  /** An unsigned integer (a safe integer >= 0) as a varint. */
  varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`varint out of range: ${value}`);
    }
    this.reserve(MAX_VARINT_BYTES);
    let rest = value;
    for (let i = 0; i < MAX_VARINT_BYTES && rest >= 0x80; i++) {
      this.buffer[this.lengthBytes++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.lengthBytes++] = rest;
    return this;
  }

  /** One byte (0..255). */
  byte(value: number): this {
    this.reserve(1);
    this.buffer[this.lengthBytes++] = value & 0xff;
    return this;
  }

  /** Raw bytes, no length prefix. */
  raw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.lengthBytes);
    this.lengthBytes += bytes.length;
    return this;
  }

  /** A varint length followed by the bytes. */
  bytes(bytes: Uint8Array): this {
    return this.varint(bytes.length).raw(bytes);
  }

  /** A UTF-8 string with a varint length prefix. */
  string(value: string): this {
    return this.bytes(Buffer.from(value, 'utf8'));
  }

  /** The bytes written (a view, valid until the writer is written to again). */
  finish(): Buffer {
    return this.buffer.subarray(0, this.lengthBytes);
  }

  private reserve(extraBytes: number): void {
    const needed = this.lengthBytes + extraBytes;
    if (needed <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.lengthBytes);
    this.buffer = grown;
  }
}

/** Reads values back in the order {@link ByteWriter} wrote them; throws {@link DecodeError}. */
export class ByteReader {
  private positionBytes = 0;

  constructor(private readonly bytesIn: Uint8Array) {}

  /** Bytes not yet read. */
  get remaining(): number {
    return this.bytesIn.length - this.positionBytes;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(value)) throw new DecodeError('varint exceeds 2^53');
        return value;
      }
      scale *= 0x80;
    }
    throw new DecodeError('varint longer than 8 bytes');
  }

  byte(): number {
    if (this.positionBytes >= this.bytesIn.length) throw new DecodeError('unexpected end');
    return this.bytesIn[this.positionBytes++]!;
  }

  /** `lengthBytes` raw bytes, copied into a plain Uint8Array that owns its memory. */
  raw(lengthBytes: number): Uint8Array {
    if (lengthBytes > this.remaining) throw new DecodeError('unexpected end');
    const start = this.positionBytes;
    this.positionBytes += lengthBytes;
    return new Uint8Array(this.bytesIn.subarray(start, start + lengthBytes));
  }

  bytes(): Uint8Array {
    return this.raw(this.varint());
  }

  string(): string {
    const bytes = this.bytes();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  }

  /** Throws unless every byte was consumed (trailing bytes mean a format mismatch). */
  end(): void {
    if (this.remaining !== 0) throw new DecodeError(`${this.remaining} trailing bytes`);
  }
}
