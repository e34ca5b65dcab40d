import { Readable } from "node:stream";
import { BufferPool, encodeWav, HandleRegistry, PipelineError, sha256Hex } from "@lingostream/runtime";
import type { AudioSegment } from "@lingostream/schemas";
import { describe, expect, it } from "vitest";
import { DeterministicEngine } from "./engines/deterministic.ts";
import type { AsrEngine } from "./engines/engine.ts";
import { EngineError } from "./engines/errors.ts";
import { isTenantSegmentKey, loadSegmentAudio, silentSegmentResult, type TranscribeDeps, transcribeSegment } from "./transcribe-segment.ts";

const BUCKET = "audio";
const pcm = Buffer.alloc(16000 * 2 * 2, 7); // two seconds of a constant tone
const wav = encodeWav(pcm, 16000, 1);

function segment(body: Buffer, overrides: Partial<AudioSegment["claimCheck"]> = {}, extra: Partial<AudioSegment> = {}): AudioSegment {
  return {
    tenant: "t",
    jobId: "job",
    segmentId: "job-000001",
    index: 1,
    startSeconds: 30,
    endSeconds: 32,
    language: "en",
    engine: "deterministic",
    attempt: 1,
    claimCheck: { bucket: BUCKET, key: "segments/t/job/000001.wav", byteSize: body.byteLength, sha256: sha256Hex(body), sampleRate: 16000, channels: 1, encoding: "wav/pcm_s16le", ...overrides },
    inlineAudio: null,
    producerId: "test",
    eventTime: 0,
    firstFailureTime: null,
    ...extra,
  } as AudioSegment;
}

/** A store whose one object is `body`, cut into chunks; `fail` injects a failure before or during the stream. */
function store(body: Buffer, fail?: { at: "open" | "mid-stream" | "never-ends" }) {
  const streams: Readable[] = [];
  return {
    streams,
    bucket: BUCKET,
    async getStream(key: string): Promise<Readable> {
      if (fail?.at === "open") throw new PipelineError("storage-not-found", `s3://${BUCKET}/${key} not found`);
      const half = Math.floor(body.byteLength / 2);
      const stream =
        fail?.at === "mid-stream"
          ? Readable.from(
              (async function* () {
                yield body.subarray(0, half);
                throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
              })(),
            )
          : fail?.at === "never-ends"
            ? new Readable({ read() {} })
            : Readable.from([body.subarray(0, half), body.subarray(half)]);
      // Half the body, then silence: a stalled connection.
      if (fail?.at === "never-ends") stream.push(body.subarray(0, half));
      streams.push(stream);
      return stream;
    },
    classify(err: unknown, what: string): PipelineError {
      return err instanceof PipelineError ? err : new PipelineError("storage-unavailable", `S3 unavailable for ${what}: ${(err as Error).message}`, { cause: err, retriable: true });
    },
  };
}

function setup(body: Buffer, options: { fail?: { at: "open" | "mid-stream" | "never-ends" } } = {}) {
  const handles = new HandleRegistry();
  const pool = new BufferPool({ maxBytes: 1024 * 1024, registry: handles });
  const s = store(body, options.fail);
  const deps: TranscribeDeps = { store: s, pool, maxSegmentBytes: 512 * 1024, timeoutMs: 10_000, producerId: "p", now: Date.now };
  const nothingHeld = () => {
    expect(handles.live).toBe(0);
    expect(handles.liveBytes).toBe(0);
    expect(pool.stats.inUseBytes).toBe(0);
    for (const stream of s.streams) expect(stream.destroyed).toBe(true);
  };
  return { handles, pool, deps, nothingHeld };
}

const failingEngine = (err: unknown): AsrEngine => ({
  name: "failing",
  async transcribe() {
    throw err;
  },
  async close() {},
});

describe("transcribeSegment audio ownership", () => {
  it("transcribes, shifts to media time and gives the audio buffer back", async () => {
    const { deps, handles, pool, nothingHeld } = setup(wav);
    const outcome = await transcribeSegment(segment(wav), new DeterministicEngine(), deps);
    expect(outcome.event.words.map((w) => w.start)).toEqual([30, 31]);
    expect(outcome.audioSeconds).toBe(2);
    nothingHeld();
    // Kept for the next segment, within the pool's idle bound.
    expect(pool.stats.idleBytes).toBe(wav.byteLength);
    expect(handles.leaked).toBe(0);
  });

  it("reads inline audio through the same pooled, verified path", async () => {
    const { deps, nothingHeld } = setup(Buffer.alloc(0));
    const outcome = await transcribeSegment(segment(wav, {}, { inlineAudio: wav }), new DeterministicEngine(), deps);
    expect(outcome.event.words).toHaveLength(2);
    nothingHeld();
  });

  it("holds nothing when the download fails to start", async () => {
    const { deps, nothingHeld } = setup(wav, { fail: { at: "open" } });
    await expect(transcribeSegment(segment(wav), new DeterministicEngine(), deps)).rejects.toMatchObject({ code: "storage-not-found" });
    nothingHeld();
  });

  it("holds nothing when the download breaks half way, and calls it retriable", async () => {
    const { deps, nothingHeld } = setup(wav, { fail: { at: "mid-stream" } });
    await expect(transcribeSegment(segment(wav), new DeterministicEngine(), deps)).rejects.toMatchObject({ code: "storage-unavailable", retriable: true });
    nothingHeld();
  });

  it("holds nothing when the checksum does not match", async () => {
    const { deps, nothingHeld } = setup(wav);
    await expect(transcribeSegment(segment(wav, { sha256: "0".repeat(64) }), new DeterministicEngine(), deps)).rejects.toMatchObject({ code: "checksum-mismatch" });
    nothingHeld();
  });

  it("stops reading at the first byte past the claimed size", async () => {
    const { deps, nothingHeld } = setup(wav);
    await expect(transcribeSegment(segment(wav, { byteSize: wav.byteLength - 10 }), new DeterministicEngine(), deps)).rejects.toMatchObject({ code: "checksum-mismatch" });
    nothingHeld();
  });

  it("holds nothing when the audio is not a WAV", async () => {
    const garbage = Buffer.from("RIFF this is not a wave file at all, only text pretending");
    const { deps, nothingHeld } = setup(garbage);
    await expect(transcribeSegment(segment(garbage), new DeterministicEngine(), deps)).rejects.toMatchObject({ code: "decode" });
    nothingHeld();
  });

  it("holds nothing when the engine fails", async () => {
    const { deps, nothingHeld } = setup(wav);
    await expect(transcribeSegment(segment(wav), failingEngine(new EngineError("engine", "decoder crashed", { retriable: false })), deps)).rejects.toMatchObject({
      errorClass: "engine",
    });
    nothingHeld();
  });

  it("holds nothing when aborted while the engine works", async () => {
    const { deps, nothingHeld } = setup(wav);
    const controller = new AbortController();
    const pending = transcribeSegment(segment(wav), new DeterministicEngine({ delayMsPerAudioSecond: 10_000 }), deps, controller.signal);
    setTimeout(() => controller.abort(new Error("stopping")), 10);
    await expect(pending).rejects.toThrow();
    nothingHeld();
  });

  it("holds nothing when aborted while the download stalls", async () => {
    const { deps, nothingHeld } = setup(wav, { fail: { at: "never-ends" } });
    const controller = new AbortController();
    const pending = transcribeSegment(segment(wav), new DeterministicEngine(), deps, controller.signal);
    setTimeout(() => controller.abort(new Error("stopping")), 10);
    await expect(pending).rejects.toMatchObject({ code: "aborted" });
    nothingHeld();
  });

  it("refuses oversize and empty claims before taking any memory", async () => {
    const { deps, pool, nothingHeld } = setup(wav);
    await expect(loadSegmentAudio(segment(wav, { byteSize: 1024 * 1024 }), deps)).rejects.toMatchObject({ code: "oversize" });
    await expect(loadSegmentAudio(segment(wav, { byteSize: 0 }), deps)).rejects.toMatchObject({ code: "corrupt" });
    await expect(loadSegmentAudio(segment(wav, { bucket: "elsewhere" }), deps)).rejects.toMatchObject({ code: "corrupt" });
    expect(pool.stats.idleBytes).toBe(0);
    nothingHeld();
  });

  it("after a run of mixed failures holds nothing and reuses buffers instead of growing", async () => {
    const { deps, pool, nothingHeld } = setup(wav);
    const engine = new DeterministicEngine();
    for (let i = 0; i < 50; i++) {
      const bad = i % 3 === 0 ? { sha256: "0".repeat(64) } : {};
      await transcribeSegment(segment(wav, bad), i % 5 === 0 ? failingEngine(new Error("boom")) : engine, deps).catch(() => {});
    }
    nothingHeld();
    expect(pool.stats.idleBuffers).toBe(1);
  });
});

describe("isTenantSegmentKey", () => {
  it("accepts only keys under segments/<tenant>/ without empty, dot or dot-dot parts", () => {
    expect(isTenantSegmentKey("segments/t/job/000001.wav", "t")).toBe(true);
    expect(isTenantSegmentKey("segments/other/job/000001.wav", "t")).toBe(false);
    expect(isTenantSegmentKey("segments/t/../other/job/1.wav", "t")).toBe(false);
    expect(isTenantSegmentKey("segments/t//1.wav", "t")).toBe(false);
    expect(isTenantSegmentKey("segments/t", "t")).toBe(false);
    expect(isTenantSegmentKey("media/t/job/1.wav", "t")).toBe(false);
  });

  it("refuses a claim check that names another tenant's audio as corrupt, before any download", async () => {
    const { deps, nothingHeld } = setup(wav);
    const err = await transcribeSegment(segment(wav, { key: "segments/other/job/000001.wav" }), new DeterministicEngine(), deps).catch((e: unknown) => e);
    expect((err as PipelineError).code).toBe("corrupt");
    nothingHeld();
  });
});

describe("silent segments", () => {
  it("get an empty result in media time, with the engine named and the attempt carried", () => {
    const silent = segment(wav, {}, { silent: true, attempt: 2 });
    expect(silentSegmentResult(silent, "whisper", { producerId: "w1", now: () => 42 })).toEqual({
      tenant: "t",
      jobId: "job",
      segmentId: "job-000001",
      index: 1,
      startSeconds: 30,
      endSeconds: 32,
      language: "en",
      engine: "whisper",
      text: "",
      words: [],
      droppedWords: 0,
      attempt: 2,
      processingMs: 0,
      producerId: "w1",
      eventTime: 42,
    });
  });
});
