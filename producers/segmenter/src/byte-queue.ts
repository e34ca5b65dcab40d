// A FIFO of bytes built from chunks, so the cutter can hold "audio since the last
// cut" without re-concatenating on every push.

const EMPTY = new Uint8Array(0);

export class ByteQueue {
  #chunks: Uint8Array[] = [];
  // Index of the first live chunk and the bytes already taken from it; consumed
  // entries are compacted lazily so shifting stays O(1) for tiny chunks too.
  #first = 0;
  #offset = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Takes ownership of `chunk`: callers must not modify it afterwards. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /** Removes and returns the first `count` bytes as a new Buffer that owns its memory. */
  shift(count: number): Buffer {
    if (!Number.isInteger(count) || count < 0 || count > this.#length) {
      throw new RangeError(`cannot take ${count} bytes from a queue of ${this.#length}`);
    }
    const out = Buffer.allocUnsafe(count);
    let written = 0;
    while (written < count) {
      const chunk = this.#chunks[this.#first]!;
      const take = Math.min(count - written, chunk.length - this.#offset);
      out.set(chunk.subarray(this.#offset, this.#offset + take), written);
      written += take;
      this.#offset += take;
      if (this.#offset === chunk.length) {
        // Drop the reference now: retained consumed chunks would break the memory bound.
        this.#chunks[this.#first] = EMPTY;
        this.#first += 1;
        this.#offset = 0;
      }
    }
    this.#length -= count;
    if (this.#first > 64 && this.#first * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#first);
      this.#first = 0;
    }
    return out;
  }

  clear(): void {
    this.#chunks = [];
    this.#first = 0;
    this.#offset = 0;
    this.#length = 0;
  }
}
