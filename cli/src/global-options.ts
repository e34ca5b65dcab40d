// Options every command takes, for one-off use against another cluster or
// config: each stands for a variable and overrides it (and the config file) in
// the environment the command's services load their config from. The only
// place the cli reads process.env.

import { readFileSync } from "node:fs";
import { CONFIG_FILE_ENV, connectionSpec, type Env, type Field } from "@lingostream/runtime";
import { type Command, InvalidArgumentError, Option } from "commander";

export const CLI_VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

interface GlobalOption {
  flags: string;
  /** Commander's name for it. */
  key: string;
  variable: string;
  description: string;
  field?: Field<unknown>;
}

const GLOBAL_OPTIONS: readonly GlobalOption[] = [
  { flags: "-b, --brokers <host:port,...>", key: "brokers", variable: "KAFKA_BROKERS", description: "Kafka bootstrap servers", field: connectionSpec.kafkaBrokers },
  { flags: "--registry <url>", key: "registry", variable: "SCHEMA_REGISTRY_URL", description: "schema registry URL", field: connectionSpec.registryUrl },
  { flags: "--s3-endpoint <url>", key: "s3Endpoint", variable: "S3_ENDPOINT", description: "S3 API endpoint", field: connectionSpec.s3Endpoint },
  { flags: "--config <file>", key: "config", variable: CONFIG_FILE_ENV, description: "JSON file of VARIABLE: value settings, under the environment" },
];

/** The value is checked as its variable would be, so a typo is a usage error before anything connects. */
function parserFor(option: GlobalOption): (raw: string) => string {
  return (raw) => {
    const { field } = option;
    if (field) {
      try {
        field.parse(raw.trim());
      } catch (err) {
        throw new InvalidArgumentError(`${(err as Error).message}; accepts ${field.accepts}`);
      }
    }
    return raw.trim();
  };
}

export function addGlobalOptions(program: Command): Command {
  program.version(CLI_VERSION, "-V, --version", "print the version");
  for (const option of GLOBAL_OPTIONS) {
    program.addOption(new Option(option.flags, `${option.description} (overrides ${option.variable})`).argParser(parserFor(option)));
  }
  // Every command's --help lists them too.
  return program.configureHelp({ showGlobalOptions: true });
}

/** The environment a command runs with: the process's, with the global options laid over it. */
export function commandEnv(cmd: Command, base: Env = process.env): Env {
  const opts = cmd.optsWithGlobals() as Record<string, unknown>;
  const env: Record<string, string | undefined> = { ...base };
  for (const option of GLOBAL_OPTIONS) {
    const value = opts[option.key];
    if (typeof value === "string") env[option.variable] = value;
  }
  return env;
}
