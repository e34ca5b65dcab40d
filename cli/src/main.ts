// The `lingostream` command: wires the services, the local stack and the tools.

import { Command, CommanderError } from "commander";
import { isPipelineError } from "@lingostream/runtime";
import { registerBenchCommand } from "./commands/bench.ts";
import { registerFailedCommands } from "./commands/failed.ts";
import { registerPressureCommands } from "./commands/pressure.ts";
import { registerReplayCommand } from "./commands/replay.ts";
import { registerStackCommands } from "./commands/stack.ts";
import { registerStatusCommand } from "./commands/status.ts";
import { registerTopicsCommands } from "./commands/topics.ts";
import { registerTestCommand } from "./commands/test.ts";
import { registerTranscribeCommand } from "./commands/transcribe.ts";
import { registerWorkerCommand } from "./commands/worker.ts";

const program = new Command("lingostream")
  .description("Transcribe audio and video backlogs into word-timed transcripts on Kafka")
  .showHelpAfterError()
  .exitOverride();

registerTranscribeCommand(program);
registerWorkerCommand(program);
registerStackCommands(program);
registerTopicsCommands(program);
registerTestCommand(program);
registerFailedCommands(program);
registerReplayCommand(program);
registerPressureCommands(program);
registerStatusCommand(program);
registerBenchCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    const message = isPipelineError(err) ? `${err.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`lingostream: ${message}\n`);
    process.exitCode = 1;
  }
}
