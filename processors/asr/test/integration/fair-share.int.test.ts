// Tenants share one processor's slots fairly: a tenant arriving behind
// another's backlog is served alongside it, weights divide the slots, and a
// tenant's high-priority job overtakes its own bulk. Asserted on the order of
// results, one slot, the deterministic engine with a simulated cost.

import type { SegmentTranscribed } from "@lingostream/schemas";
import { createStackContext, type StackContext, waitFor } from "@lingostream/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAsrProcessor } from "../../src/service.ts";
import { asrTestConfig, collectTopic, publishSegments } from "./segment-events.ts";

const TWO_SECONDS = Buffer.alloc(16000 * 2 * 2);

function backlog(tenant: string, jobId: string, count: number, priority: "normal" | "high" = "normal") {
  return Array.from({ length: count }, (_, index) => ({ jobId, index, pcm: TWO_SECONDS, overrides: { tenant, priority } }));
}

describe("fair share across tenants", () => {
  let stack: StackContext;
  beforeAll(async () => {
    stack = await createStackContext("fair-share", { partitions: 2 });
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  async function run(env: Record<string, string>, publish: (results: SegmentTranscribed[]) => Promise<void>, until: (results: SegmentTranscribed[]) => boolean) {
    const { ctx } = stack;
    const results = await collectTopic<SegmentTranscribed>(ctx, ctx.topics.results);
    // A context of its own per run: each processor registers its metrics on its context's registry.
    const processor = await startAsrProcessor(stack.another(`asr-${results.values.length}-${Math.random()}`), {
      config: asrTestConfig(stack.env, {
        LINGOSTREAM_ASR_ENGINE: "deterministic",
        LINGOSTREAM_ASR_MAX_IN_FLIGHT: "1",
        // 2 s segments take 200 ms each.
        LINGOSTREAM_ASR_DETERMINISTIC_DELAY_MS: "100",
        LINGOSTREAM_ASR_GROUP: `${stack.prefix}asr-${Math.random().toString(36).slice(2)}`,
        ...env,
      }),
    });
    try {
      await publish(results.values);
      await waitFor(() => until(results.values), "the results");
      return [...results.values];
    } finally {
      await processor.stop();
      await results.stop();
    }
  }

  it("serves a tenant's small job arriving behind another's backlog long before the backlog ends", async () => {
    const suffix = Date.now().toString(36);
    const results = await run(
      {},
      async (seen) => {
        await publishSegments(stack.ctx, backlog("bulk", `bulk-${suffix}`, 40));
        await waitFor(() => seen.some((r) => r.tenant === "bulk"), "the backlog under way");
        await publishSegments(stack.ctx, backlog("small", `small-${suffix}`, 3));
      },
      (seen) => seen.filter((r) => r.tenant === "small" && r.jobId.endsWith(suffix)).length === 3,
    );
    const ours = results.filter((r) => r.jobId.endsWith(suffix));
    // FIFO would finish all 40 first; fair sharing interleaves from the first refresh.
    expect(ours.filter((r) => r.tenant === "bulk").length).toBeLessThan(25);
  }, 120_000);

  it("divides the slots 3:1 by weight while both tenants are backlogged", async () => {
    const suffix = Date.now().toString(36);
    const results = await run(
      { LINGOSTREAM_TENANTS: "heavy:weight=3;light:weight=1" },
      async () => {
        await publishSegments(stack.ctx, [...backlog("heavy", `heavy-${suffix}`, 40), ...backlog("light", `light-${suffix}`, 40)]);
      },
      (seen) => seen.filter((r) => r.jobId.endsWith(suffix)).length >= 40,
    );
    // Skip the first results: the gate weighs what is fetched, and the first fetch may be one partition's.
    const window = results.filter((r) => r.jobId.endsWith(suffix)).slice(8, 40);
    const heavy = window.filter((r) => r.tenant === "heavy").length;
    expect(heavy / window.length).toBeGreaterThan(0.6);
    expect(heavy / window.length).toBeLessThan(0.9);
  }, 120_000);

  it("lets a tenant's high-priority job overtake its own bulk without stopping it", async () => {
    const suffix = Date.now().toString(36);
    const results = await run(
      {},
      async (seen) => {
        await publishSegments(stack.ctx, backlog("acme", `bulk-${suffix}`, 40));
        await waitFor(() => seen.some((r) => r.jobId === `bulk-${suffix}`), "the bulk under way");
        await publishSegments(stack.ctx, backlog("acme", `urgent-${suffix}`, 8, "high"));
      },
      (seen) => seen.filter((r) => r.jobId === `urgent-${suffix}`).length === 8,
    );
    const ours = results.filter((r) => r.jobId.endsWith(suffix));
    const bulkDone = ours.filter((r) => r.jobId === `bulk-${suffix}`).length;
    expect(bulkDone).toBeLessThan(25);
    // Bulk kept moving while the urgent job ran: some bulk results lie between its first and last.
    const first = ours.findIndex((r) => r.jobId === `urgent-${suffix}`);
    expect(ours.slice(first).some((r) => r.jobId === `bulk-${suffix}`)).toBe(true);
  }, 120_000);
});
