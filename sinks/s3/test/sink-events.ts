// Event values the integration tests feed the sink: results with a few words
// each (segment i spans 5 s from i*5 s) and dead letters, as the ASR processor
// would produce them.

import type { SegmentFailed, SegmentTranscribed } from "@lingostream/schemas";

export const WORDS_PER_SEGMENT = 3;

export function transcribedEvent(tenant: string, jobId: string, index: number): SegmentTranscribed {
  const start = index * 5;
  const words = Array.from({ length: WORDS_PER_SEGMENT }, (_, k) => ({
    text: `${jobId.slice(0, 5)}s${index}w${k}`,
    start: start + k,
    end: start + k + 0.8,
    confidence: 0.9,
  }));
  return {
    tenant,
    jobId,
    segmentId: `${jobId}/${index}`,
    index,
    startSeconds: start,
    endSeconds: start + 5,
    language: "en",
    engine: "deterministic",
    text: words.map((w) => w.text).join(" "),
    words,
    droppedWords: 0,
    attempt: 1,
    processingMs: 5,
    producerId: "it-asr",
    eventTime: 1_767_225_600_000,
  };
}

/** A dead letter whose segment's claim check names audio where the segmenter writes it. */
export function deadLetterEvent(tenant: string, jobId: string, index: number, options: { segmentsTopic: string; bucket: string }): SegmentFailed {
  const segmentId = `${jobId}/${index}`;
  return {
    tenant,
    jobId,
    segmentId,
    segment: {
      tenant,
      jobId,
      segmentId,
      index,
      startSeconds: index * 5,
      endSeconds: index * 5 + 5,
      language: "en",
      engine: "deterministic",
      attempt: 1,
      claimCheck: {
        bucket: options.bucket,
        key: `segments/${tenant}/${jobId}/${String(index).padStart(6, "0")}.wav`,
        byteSize: 1,
        sha256: "00",
        sampleRate: 16_000,
        channels: 1,
        encoding: "wav/pcm_s16le",
      },
      inlineAudio: null,
      producerId: "it-segmenter",
      eventTime: 1,
      firstFailureTime: null,
    },
    source: { topic: options.segmentsTopic, partition: 0, offset: "0" },
    errorClass: "engine",
    message: "engine crashed",
    retryable: true,
    attempt: 1,
    firstFailureTime: 1,
    lastFailureTime: 1,
    workerId: "it-asr",
    producerId: "it-asr",
    eventTime: 1,
  };
}
