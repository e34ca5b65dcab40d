import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { addGlobalOptions, CLI_VERSION, commandEnv } from "./global-options.ts";

/** Parses args against a program with the global options and one subcommand; returns that subcommand. */
async function parse(args: string[]): Promise<Command> {
  const root = addGlobalOptions(new Command("lingostream").exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} }));
  let ran: Command | undefined;
  root.command("status").action((_opts, cmd: Command) => {
    ran = cmd;
  });
  await root.parseAsync(["node", "lingostream", ...args]);
  if (!ran) throw new Error("the command did not run");
  return ran;
}

describe("global options", () => {
  it("override the environment's variables for the command, before or after its name", async () => {
    const base = { KAFKA_BROKERS: "localhost:9092", S3_ENDPOINT: "http://localhost:9000", OTHER: "kept" };
    const env = commandEnv(await parse(["-b", "k1:9092,k2:9092", "status", "--registry", "http://reg:8081", "--s3-endpoint", "http://s3:9000", "--config", "/etc/ls.json"]), base);
    expect(env).toEqual({
      KAFKA_BROKERS: "k1:9092,k2:9092",
      SCHEMA_REGISTRY_URL: "http://reg:8081",
      S3_ENDPOINT: "http://s3:9000",
      LINGOSTREAM_CONFIG_FILE: "/etc/ls.json",
      OTHER: "kept",
    });
  });

  it("leave the environment as it is when not given", async () => {
    const base = { KAFKA_BROKERS: "localhost:9092" };
    expect(commandEnv(await parse(["status"]), base)).toEqual(base);
  });

  it("are checked like their variables, as usage errors", async () => {
    const err = await parse(["--brokers", "no-port", "status"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommanderError);
    expect((err as CommanderError).message).toContain('"no-port" is not host:port');
    const badUrl = await parse(["status", "--registry", "ftp://x"]).catch((e: unknown) => e);
    expect((badUrl as CommanderError).message).toContain("accepts an http:// or https:// URL");
  });

  it("print the package's version", async () => {
    const err = await parse(["--version"]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "commander.version", exitCode: 0 });
    expect(CLI_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});
