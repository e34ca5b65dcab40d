// Ctrl-C or SIGTERM while a benchmark runs processes of its own: the first
// signal aborts the run, whose cleanup stops the processes and removes its
// topics and objects, and the benchmark process then exits as interrupted; a
// second signal skips the cleanup, kills the processes at once and exits.

/** Exit codes of a process ended by a signal, as a shell reports them. */
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

export async function runInterruptible<T>(run: (signal: AbortSignal) => Promise<T>, killNow: () => void, log: (line: string) => void): Promise<T> {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (received) {
      log(`${sig} again: killing the worker processes without cleanup (topics and objects of the run stay)`);
      killNow();
      process.exit(SIGNAL_EXIT[sig] ?? 1);
    }
    received = sig;
    log(`${sig}: stopping the worker processes and removing the run's topics and objects (again to kill at once)`);
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await run(controller.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (received) {
      log("interrupted; everything the run started is released");
      process.exit(SIGNAL_EXIT[received] ?? 1);
    }
  }
}
