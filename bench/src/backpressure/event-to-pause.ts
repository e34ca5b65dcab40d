// Pressure event → consumer paused: MemoryPressure events published by hand
// while the ASR processor works through a backlog, timed from just before the
// send to the processor's pause (and resume) callback.

import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { type AsrProcessor, startAsrProcessor } from "@lingostream/asr";
import { fullSpeed, governorBackpressure, PressureGovernor, type PressureLevel, startPressureSubscriber } from "@lingostream/runtime";
import type { MemoryPressure } from "@lingostream/schemas";
import { asrConfig, type BenchStack, deterministicEngines, publishSegments, withOwnMetrics } from "./bench-stack.ts";
import { type Distribution, distribution } from "./distribution.ts";
import { pauseWatch } from "./pause-watch.ts";

export interface EventToPause {
  unit: "ms";
  goalP99: number;
  pause: Distribution;
  resume: Distribution;
  sendAck: Distribution;
  note: string;
}

export async function measureEventToPause(stack: BenchStack, trials: number, log: (line: string) => void): Promise<EventToPause> {
  const { ctx } = stack;
  const key = await publishSegments(stack, "event-load", 5000, 1);
  const governor = new PressureGovernor({ maxInFlight: 2, heartbeatIntervalMs: 2000 });
  const subscriber = await startPressureSubscriber(ctx, governor, { groupId: `${stack.prefix}pressure-event` });
  const watch = pauseWatch(() => performance.now());
  const processor: AsrProcessor = await startAsrProcessor(withOwnMetrics(ctx), {
    config: asrConfig(stack, "asr-event", { LINGOSTREAM_ASR_MAX_IN_FLIGHT: "2" }),
    engineFactory: deterministicEngines(20),
    backpressure: governorBackpressure(governor, fullSpeed.limitBytes),
    onPauseChange: (e) => watch.onPauseChange(e),
  });
  await ctx.serde.register("memoryPressure");
  const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const publish = async (level: PressureLevel) => {
    const event: MemoryPressure = {
      sourceId: "bench-source",
      host: hostname(),
      instanceId: ctx.instanceId,
      role: "bench",
      level,
      reason: "level-change",
      usedRatio: level === "LOW" ? 0.5 : 0.85,
      usedBytes: 0,
      limitBytes: 0,
      availableBytes: 0,
      rssBytes: 0,
      heapUsedBytes: 0,
      externalBytes: 0,
      arrayBuffersBytes: 0,
      psiSomeAvg10: null,
      psiFullAvg10: null,
      sampleIntervalMs: 2000,
      producerId: ctx.instanceId,
      eventTime: Date.now(),
    };
    const value = await ctx.serde.encode("memoryPressure", event);
    const started = performance.now();
    await producer.send({ topic: ctx.topics.memoryPressure, acks: -1, messages: [{ key: event.sourceId, value }] });
    return { started, acked: performance.now() };
  };
  const pause: number[] = [];
  const resume: number[] = [];
  const sendAck: number[] = [];
  try {
    await sleep(3000); // let the processor join its group and get busy
    for (let i = 0; i < trials; i++) {
      // A random stretch at LOW first, so the pause lands at varied points of the work.
      await sleep(20 + Math.random() * 80);
      const paused = watch.next(true);
      const high = await publish(i % 2 === 0 ? "HIGH" : "CRITICAL");
      pause.push((await paused) - high.started);
      sendAck.push(high.acked - high.started);
      const resumed = watch.next(false);
      const low = await publish("LOW");
      resume.push((await resumed) - low.started);
    }
  } finally {
    await producer.disconnect();
    await processor.stop();
    await subscriber.stop();
    await ctx.store.delete(key).catch(() => {});
  }
  const result: EventToPause = {
    unit: "ms",
    goalP99: 500,
    pause: distribution(pause),
    resume: distribution(resume),
    sendAck: distribution(sendAck),
    note: `from just before producer.send of a MemoryPressure (acks=all) to the processor's pause callback; ${processor.stats.transcribed} segments transcribed between pauses`,
  };
  log(`event → paused: p50 ${result.pause.p50} ms, p99 ${result.pause.p99} ms, max ${result.pause.max} ms (n=${result.pause.n}); resume p50 ${result.resume.p50} ms, p99 ${result.resume.p99} ms`);
  return result;
}
