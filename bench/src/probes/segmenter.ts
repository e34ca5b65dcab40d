// Child side of the segmenter benchmark: segment one input from start to end,
// dropping each segment as the segmenter's callers do, and record RSS and,
// when the child runs with --expose-gc, the live memory after a forced GC.

import { segmentMedia } from "@lingostream/segmenter";

export interface SegmenterProbeArgs {
  input: string;
  /** Force a GC every this many segments and sample live memory (0: never; needs --expose-gc). */
  gcEvery: number;
  sampleEvery: number;
}

export interface SegmenterProbeResult {
  segments: number;
  audioSeconds: number;
  seconds: number;
  /** Largest heapUsed + external seen right after a forced GC, bytes (0 without gcEvery). */
  peakLiveBytes: number;
  timeline: [number, number][];
}

export async function runSegmenterProbe(args: SegmenterProbeArgs): Promise<SegmenterProbeResult> {
  const collect = globalThis.gc;
  if (args.gcEvery > 0 && !collect) throw new Error("gcEvery needs the child to run with --expose-gc");
  const started = performance.now();
  const timeline: [number, number][] = [[0, process.memoryUsage.rss()]];
  let segments = 0;
  let audioSeconds = 0;
  let peakLiveBytes = 0;
  for await (const segment of segmentMedia(args.input)) {
    segments++;
    audioSeconds = segment.endSeconds;
    if (collect && args.gcEvery > 0 && segments % args.gcEvery === 0) {
      collect();
      const m = process.memoryUsage();
      peakLiveBytes = Math.max(peakLiveBytes, m.heapUsed + m.external);
    }
    if (segments % args.sampleEvery === 0) timeline.push([segments, process.memoryUsage.rss()]);
  }
  return { segments, audioSeconds, seconds: (performance.now() - started) / 1000, peakLiveBytes, timeline };
}
