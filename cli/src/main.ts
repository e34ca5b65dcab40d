// The `lingostream` command: wires the services, the local stack and the tools.
// Every failure ends here as one line on stderr and an exit code (exit-codes.ts).

import { connectionSpec, loadConfig } from "@lingostream/runtime";
import { Command, CommanderError } from "commander";
import { registerBenchCommand } from "./commands/bench.ts";
import { registerFailedCommands } from "./commands/failed.ts";
import { registerPressureCommands } from "./commands/pressure.ts";
import { registerReplayCommand } from "./commands/replay.ts";
import { registerStackCommands } from "./commands/stack.ts";
import { registerStatusCommand } from "./commands/status.ts";
import { registerTestCommand } from "./commands/test.ts";
import { registerTopicsCommands } from "./commands/topics.ts";
import { registerTranscribeCommand } from "./commands/transcribe.ts";
import { registerWorkerCommand } from "./commands/worker.ts";
import { exitCodeOf } from "./exit-codes.ts";
import { type FailureContext, reportFailure } from "./failure-report.ts";
import { addGlobalOptions, commandEnv } from "./global-options.ts";
import { addExamples, configureUsageErrors } from "./usage.ts";

const program = new Command("lingostream")
  .description("Transcribe audio and video backlogs into word-timed transcripts on Kafka")
  .exitOverride();
addGlobalOptions(program);

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
// bench.ts belongs to the benchmark suite; its examples are given here.
const bench = program.commands.find((c) => c.name() === "bench");
if (bench) addExamples(bench, ["lingostream bench --quick", "lingostream bench overhead throughput"]);
addExamples(program, [
  "lingostream transcribe samples/ -o transcripts/",
  "lingostream status --json | jq '.jobs'",
  "KAFKA_BROKERS=kafka-1:9092 lingostream worker all",
]);
configureUsageErrors(program);

/** What the failure's report needs from the configuration, if the configuration itself is readable. */
function failureContext(): FailureContext {
  try {
    const config = loadConfig(connectionSpec, commandEnv(program));
    return { debug: config.logLevel === "debug" || config.logLevel === "trace" };
  } catch {
    return {};
  }
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Commander has printed its own message (with the usage hint) already.
  if (!(err instanceof CommanderError)) {
    const report = reportFailure(err, failureContext());
    process.stderr.write(`lingostream: ${report.line}\n`);
    if (report.stack) process.stderr.write(`${report.stack}\n`);
  }
  // Every command has released what it held by now; a client library's retry
  // still pending (kafkajs keeps trying a silent broker) must not hold the exit.
  process.exit(exitCodeOf(err));
}
