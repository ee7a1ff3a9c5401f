/**
 * Kafka's binary protocol for the "flexible" message versions (KIP-482): big-endian integers,
 * compact strings and arrays with unsigned-varint lengths, and tagged-field buffers we write empty
 * and skip on reading.
 */

/** Builds one request body. */
export class Writer {
  private chunks: Buffer[] = [];

  int8(v: number): this { return this.push(Buffer.from([v & 0xff])); }
  int16(v: number): this { const b = Buffer.alloc(2); b.writeInt16BE(v); return this.push(b); }
  int32(v: number): this { const b = Buffer.alloc(4); b.writeInt32BE(v); return this.push(b); }
  bool(v: boolean): this { return this.int8(v ? 1 : 0); }

  uvarint(v: number): this {
    const bytes: number[] = [];
    let n = v >>> 0;
    while (n >= 0x80) {
      bytes.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    bytes.push(n);
    return this.push(Buffer.from(bytes));
  }

  /** A classic (int16-length) nullable string: the request header's client id. */
  nullableString(v: string | null): this {
    if (v === null) return this.int16(-1);
    const b = Buffer.from(v, 'utf8');
    return this.int16(b.length).push(b);
  }

  compactString(v: string | null): this {
    if (v === null) return this.uvarint(0);
    const b = Buffer.from(v, 'utf8');
    return this.uvarint(b.length + 1).push(b);
  }

  compactArray<T>(items: readonly T[] | null, each: (w: Writer, item: T) => void): this {
    if (items === null) return this.uvarint(0);
    this.uvarint(items.length + 1);
    for (const item of items) each(this, item);
    return this;
  }

  uuid(v: Buffer): this { return this.push(v); }
  /** An empty tagged-field buffer. */
  tags(): this { return this.uvarint(0); }

  bytes(): Buffer { return Buffer.concat(this.chunks); }

  private push(b: Buffer): this {
    this.chunks.push(b);
    return this;
  }
}

/** Reads one response body. */
export class Reader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}

  int8(): number { return this.buf.readInt8(this.take(1)); }
  int16(): number { return this.buf.readInt16BE(this.take(2)); }
  uint16(): number { return this.buf.readUInt16BE(this.take(2)); }
  int32(): number { return this.buf.readInt32BE(this.take(4)); }
  int64(): bigint { return this.buf.readBigInt64BE(this.take(8)); }
  bool(): boolean { return this.int8() !== 0; }

  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.buf.readUInt8(this.take(1));
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 28) throw new Error('malformed varint in a Kafka response');
    }
  }

  compactString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    const start = this.take(n - 1);
    return this.buf.toString('utf8', start, start + n - 1);
  }

  compactArray<T>(each: (r: Reader) => T): T[] {
    const n = this.uvarint();
    const items: T[] = [];
    for (let i = 0; i < n - 1; i++) items.push(each(this));
    return items;
  }

  /** A UUID, in Kafka's base64url form (as `kafka-topics --describe` prints topic ids). */
  uuid(): string {
    const start = this.take(16);
    return this.buf.subarray(start, start + 16).toString('base64url');
  }

  /** Skips a tagged-field buffer. */
  tags(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.take(this.uvarint());
    }
  }

  private take(n: number): number {
    const at = this.offset;
    if (at + n > this.buf.length) throw new Error(`truncated Kafka response (wanted ${n} bytes at ${at} of ${this.buf.length})`);
    this.offset += n;
    return at;
  }
}
