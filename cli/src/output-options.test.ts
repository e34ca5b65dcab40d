import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { addFormatOption, addJsonOption, jsonText, type OutputOptions, outputFormat } from "./output-options.ts";

function parse(add: (cmd: Command) => Command, args: string[]): OutputOptions {
  const cmd = add(new Command("report").exitOverride().configureOutput({ writeErr: () => {} }));
  cmd.parse(["node", "report", ...args]);
  return cmd.opts<OutputOptions>();
}

const formats = (cmd: Command) => addFormatOption(cmd, ["table", "json", "csv"], "table");

describe("output options", () => {
  it("--json means --format json where there are formats", () => {
    expect(outputFormat(parse(formats, []))).toBe("table");
    expect(outputFormat(parse(formats, ["--json"]))).toBe("json");
    expect(outputFormat(parse(formats, ["--format", "csv"]))).toBe("csv");
  });

  it("refuses a format that is not offered before the command runs", () => {
    expect(() => parse(formats, ["--format", "xml"])).toThrow(CommanderError);
  });

  it("--json alone where JSON is the only other output", () => {
    expect(outputFormat(parse(addJsonOption, ["--json"]))).toBe("json");
    expect(outputFormat(parse(addJsonOption, []))).toBe("table");
  });

  it("writes one indented JSON document ending in a newline", () => {
    expect(jsonText({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}\n');
  });
});
