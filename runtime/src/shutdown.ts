// Graceful shutdown: SIGINT/SIGTERM abort one signal that every loop watches,
// then the registered closers run newest-first. A second signal exits at once.

import type { Logger } from "./logger.ts";

export type Closer = () => Promise<void> | void;

export class Shutdown {
  readonly controller = new AbortController();
  readonly signal: AbortSignal = this.controller.signal;
  private readonly closers: { name: string; close: Closer }[] = [];
  private closing: Promise<void> | undefined;
  private readonly logger: Logger | undefined;
  private readonly onSignal = (sig: NodeJS.Signals) => {
    if (this.closing) {
      this.logger?.warn({ signal: sig }, "second signal, exiting now");
      process.exit(130);
    }
    this.logger?.info({ signal: sig }, "draining: finishing in-flight work");
    void this.close(sig);
  };

  constructor(logger?: Logger) {
    this.logger = logger;
  }

  listen(): this {
    process.on("SIGINT", this.onSignal);
    process.on("SIGTERM", this.onSignal);
    return this;
  }

  /**
   * Registers a closer. One added once closing has begun (something that
   * finished starting after the signal) runs after the others, so it is
   * released too; close() then settles after it.
   */
  add(name: string, close: Closer): void {
    if (this.closing) this.closing = this.closing.then(() => this.run(name, close));
    else this.closers.push({ name, close });
  }

  close(reason: unknown = "closed"): Promise<void> {
    this.closing ??= (async () => {
      if (!this.signal.aborted) this.controller.abort(reason);
      for (const { name, close } of this.closers.reverse()) await this.run(name, close);
      process.off("SIGINT", this.onSignal);
      process.off("SIGTERM", this.onSignal);
    })();
    return this.closing;
  }

  private async run(name: string, close: Closer): Promise<void> {
    try {
      await close();
    } catch (err) {
      this.logger?.error({ err, closer: name }, "error while closing");
    }
  }
}
