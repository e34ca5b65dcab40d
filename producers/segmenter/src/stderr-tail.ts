// Keeps only the last few KB a child process writes to stderr, so a chatty or
// endless tool cannot grow memory while we still have its final words for errors.

export class StderrTail {
  readonly #limit: number;
  #bytes: Buffer = Buffer.alloc(0);

  constructor(limitBytes = 2048) {
    this.#limit = limitBytes;
  }

  push(chunk: Buffer): void {
    const joined = this.#bytes.length === 0 ? chunk : Buffer.concat([this.#bytes, chunk]);
    // Copy so the kept tail does not pin the (possibly large) chunk it came from.
    this.#bytes = joined.length > this.#limit ? Buffer.from(joined.subarray(-this.#limit)) : joined;
  }

  text(): string {
    return this.#bytes.toString("utf8").trim();
  }

  /** The last non-empty line: usually ffmpeg's actual complaint. */
  lastLine(): string {
    const lines = this.text().split(/\r?\n/).filter((line) => line.trim() !== "");
    return lines.at(-1)?.trim() ?? "";
  }
}
