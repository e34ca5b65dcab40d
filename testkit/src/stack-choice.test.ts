import { describe, expect, it } from "vitest";
import { chooseTestStack } from "./stack-choice.ts";

const answers = (yes: boolean) => {
  const probe = async () => {
    probe.calls++;
    return yes;
  };
  probe.calls = 0;
  return probe;
};

describe("chooseTestStack", () => {
  it("uses the addresses the caller exported without probing for Docker", async () => {
    const probe = answers(true);
    expect(await chooseTestStack({ requested: undefined, brokers: "localhost:39092", dockerAnswers: probe })).toBe("environment");
    expect(probe.calls).toBe(0);
  });

  it("runs docker-compose's servers when a Docker engine answers and nothing is exported", async () => {
    expect(await chooseTestStack({ requested: "auto", brokers: undefined, dockerAnswers: answers(true) })).toBe("docker-compose");
  });

  it("falls back to the local processes without Docker", async () => {
    expect(await chooseTestStack({ requested: "", brokers: " ", dockerAnswers: answers(false) })).toBe("local-processes");
  });

  it("honours an explicit choice, even with addresses exported", async () => {
    expect(await chooseTestStack({ requested: "local-processes", brokers: "localhost:9092", dockerAnswers: answers(true) })).toBe("local-processes");
  });

  it("refuses an explicit choice it cannot keep, saying why", async () => {
    await expect(chooseTestStack({ requested: "docker-compose", brokers: undefined, dockerAnswers: answers(false) })).rejects.toThrow(/no Docker engine answers/);
    await expect(chooseTestStack({ requested: "environment", brokers: undefined, dockerAnswers: answers(false) })).rejects.toThrow(/needs KAFKA_BROKERS/);
    await expect(chooseTestStack({ requested: "podman", brokers: undefined, dockerAnswers: answers(false) })).rejects.toThrow(/not one of/);
  });
});
