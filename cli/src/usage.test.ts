import { ConfigError, PipelineError } from "@lingostream/runtime";
import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { EXIT } from "./exit-codes.ts";
import { addExamples, checkArgs, configureUsageErrors, usageHint } from "./usage.ts";

/** A program shaped like the real one, its error output captured. */
function program(action: (opts: { rate?: string }, cmd: Command) => void) {
  const errors: string[] = [];
  const root = new Command("lingostream").exitOverride();
  root.configureOutput({ writeErr: (s) => errors.push(s), writeOut: () => {} });
  const failed = root.command("failed");
  failed.command("list").option("--rate <n/s>").action(action);
  configureUsageErrors(root);
  return { root, errors };
}

async function run(root: Command, args: string[]): Promise<unknown> {
  return root.parseAsync(["node", "lingostream", ...args]).then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe("usage errors", () => {
  it("turns a rejected argument into one line and the command's usage hint, exit 2, before the command goes on", async () => {
    let reached = false;
    const { root, errors } = program((opts, cmd) => {
      checkArgs(cmd, () => {
        if (opts.rate === "abc") throw new PipelineError("config-invalid", 'invalid --rate "abc": use segments per second, e.g. 20/s');
      });
      reached = true;
    });
    const err = await run(root, ["failed", "list", "--rate", "abc"]);
    expect(err).toBeInstanceOf(CommanderError);
    expect((err as CommanderError).exitCode).toBe(EXIT.usage);
    expect(reached).toBe(false);
    expect(errors.join("")).toBe("lingostream: invalid --rate \"abc\": use segments per second, e.g. 20/s\n(run 'lingostream failed list --help' for usage)\n");
  });

  it("gives commander's own parse errors the same shape", async () => {
    const { root, errors } = program(() => {});
    const err = await run(root, ["failed", "list", "--bogus"]);
    expect((err as CommanderError).exitCode).not.toBe(0);
    expect(errors.join("")).toBe("lingostream: unknown option '--bogus'\n(run 'lingostream failed list --help' for usage)\n");
  });

  it("lets configuration problems through to be reported as such, without the usage hint", async () => {
    const { root, errors } = program((_opts, cmd) => {
      checkArgs(cmd, () => {
        throw new ConfigError(["KAFKA_BROKERS=\"x\" is not valid"]);
      });
    });
    const err = await run(root, ["failed", "list"]);
    expect(err).toBeInstanceOf(ConfigError);
    expect(errors).toEqual([]);
  });

  it("names the command path in the hint", () => {
    const root = new Command("lingostream");
    const report = root.command("pressure").command("report");
    expect(usageHint(report)).toBe("(run 'lingostream pressure report --help' for usage)");
    expect(usageHint(root)).toBe("(run 'lingostream --help' for usage)");
  });

  it("lists examples after the help", () => {
    const cmd = addExamples(new Command("status"), ["lingostream status --json | jq .jobs"]);
    let help = "";
    cmd.configureOutput({ writeOut: (s) => (help += s) });
    cmd.outputHelp();
    expect(help).toContain("Examples:\n  $ lingostream status --json | jq .jobs\n");
  });
});
