// Progress of a transcription run: a bar with ETA on a terminal, plain lines
// (at most one every few seconds) when output goes to a file or a pipe.

import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, total: number, detail: string): void;
  log(line: string): void;
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: "transcribing [{bar}] {value}/{total} segments | {percentage}% | ETA {eta_formatted} | {detail}", hideCursor: true, etaBuffer: 20, stream, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total, detail) {
        if (!started) {
          bar.start(Math.max(total, 1), done, { detail });
          started = true;
        }
        bar.setTotal(Math.max(total, 1));
        bar.update(done, { detail });
      },
      log(line) {
        if (started) bar.stop();
        stream.write(`${line}\n`);
        started = false;
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = "";
  let lastAt = 0;
  const startedAt = Date.now();
  return {
    update(done, total, detail) {
      const line = `progress: ${done}/${total} segments (${detail})`;
      const now = Date.now();
      if (line === last || (now - lastAt < 5000 && done < total)) return;
      const elapsed = (now - startedAt) / 1000;
      const eta = done > 0 && total > done ? ` eta ${Math.round((elapsed / done) * (total - done))}s` : "";
      stream.write(`${line}${eta}\n`);
      last = line;
      lastAt = now;
    },
    log(line) {
      stream.write(`${line}\n`);
    },
    stop() {},
  };
}
