import { describe, expect, it } from "vitest";
import { progressKey, sameCut } from "./publish-progress.ts";

describe("publish progress", () => {
  it("lives beside the job's segment audio, so it goes with it", () => {
    expect(progressKey("acme", "job-1")).toBe("segments/acme/job-1/published.json");
  });

  it("counts only for the same cut settings", () => {
    const cut = { targetSeconds: 30, searchWindowSeconds: 5, maxSeconds: 45, silenceThresholdDb: -30, minSilenceSeconds: 0.5 };
    expect(sameCut({ ...cut }, cut)).toBe(true);
    expect(sameCut({ ...cut, targetSeconds: 20 }, cut)).toBe(false);
    expect(sameCut(undefined, cut)).toBe(false);
  });
});
