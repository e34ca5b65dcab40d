import { BENCHMARK_NAMES } from "@lingostream/bench";
import { describe, expect, it } from "vitest";
import { BENCHMARK_NAMES_IN_HELP } from "./bench.ts";

describe("bench command help", () => {
  it("names every benchmark of the suite, in the order it runs them", () => {
    expect([...BENCHMARK_NAMES_IN_HELP]).toEqual(BENCHMARK_NAMES);
  });
});
