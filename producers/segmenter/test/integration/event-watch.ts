// A consumer of a test's asr.jobs and asr.segments that hands each decoded
// event to the test as it arrives.

import { type AudioSegment, readJobEvent } from "@lingostream/schemas";
import type { StackContext } from "@lingostream/testkit";
import type { Consumer } from "kafkajs";

export interface EventHandlers {
  segment?: (segment: AudioSegment) => void;
  job?: (event: ReturnType<typeof readJobEvent>) => void;
}

/** Started from the beginning of both topics; the caller disconnects it. */
export async function watchEvents(stack: StackContext, handlers: EventHandlers): Promise<Consumer> {
  const watcher = stack.ctx.kafka.consumer({ groupId: `${stack.prefix}watch` });
  await watcher.connect();
  await watcher.subscribe({ topics: [stack.ctx.topics.jobs, stack.ctx.topics.segments], fromBeginning: true });
  await watcher.run({
    eachMessage: async ({ topic, message }) => {
      if (!message.value) return;
      const { value } = await stack.ctx.serde.decode(message.value);
      if (topic === stack.ctx.topics.segments) handlers.segment?.(value as AudioSegment);
      else handlers.job?.(readJobEvent(value));
    },
  });
  return watcher;
}
