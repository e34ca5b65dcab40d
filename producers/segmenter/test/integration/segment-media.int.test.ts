// End-to-end segmenter checks against real ffmpeg/ffprobe on generated media; no
// Kafka or S3 involved.

import { randomBytes } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { encodeWav, parseWav } from "@lingostream/runtime";
import { waitFor } from "@lingostream/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { decodePcmStream } from "../../src/decode.ts";
import { probeMedia } from "../../src/probe.ts";
import { type MediaSegment, type SegmentMediaOptions, segmentMedia } from "../../src/segment-media.ts";
import { SegmenterError } from "../../src/segmenter-error.ts";
import { ffmpeg, ffmpegChildren, makeTempDir, removeTempDir, toneWithGaps } from "./media-fixtures.ts";

const GAPS: Array<[number, number]> = [
  [27.5, 28.5],
  [56, 57],
  [86, 87],
];
// Middles of the gaps nearest each 30 s target: 28, then 28 + 30 → gap 56–57, then 56.5 + 30 → 86–87.
const EXPECTED_CUTS = [28, 56.5, 86.5];

let dir = "";
const media: Record<string, string> = {};

beforeAll(async () => {
  dir = await makeTempDir();
  const tones = toneWithGaps(100, GAPS);
  media.flac = await ffmpeg(join(dir, "tones.flac"), "-f", "lavfi", "-i", tones);
  media.opus = await ffmpeg(join(dir, "tones.opus"), "-i", media.flac, "-c:a", "libopus", "-b:a", "32k");
  media.silence = await ffmpeg(join(dir, "silence.m4a"), "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono:d=70", "-c:a", "aac");
  media.videoOnly = await ffmpeg(join(dir, "video-only.mp4"), "-f", "lavfi", "-i", "testsrc=d=2:s=160x120", "-c:v", "mpeg4");
  media.longVideo = await ffmpeg(join(dir, "long-video.mp4"), "-f", "lavfi", "-i", "color=c=navy:s=160x120:r=5:d=10", "-f", "lavfi", "-i", toneWithGaps(6, []), "-c:v", "mpeg4", "-c:a", "aac");
  media.oddName = await ffmpeg(join(dir, "-odd:name.wav"), "-f", "lavfi", "-i", toneWithGaps(5, []));
  media.random = join(dir, "random.mp4");
  await writeFile(media.random, randomBytes(65536));
  media.empty = join(dir, "empty.wav");
  await writeFile(media.empty, Buffer.alloc(0));
});

afterAll(async () => {
  await removeTempDir(dir);
  expect(existsSync(dir)).toBe(false);
});

afterEach(async () => {
  expect(await ffmpegChildren()).toEqual([]);
});

async function collect(input: string | URL, options: SegmentMediaOptions = {}): Promise<MediaSegment[]> {
  const segments: MediaSegment[] = [];
  for await (const segment of segmentMedia(input, options)) segments.push(segment);
  return segments;
}

async function failure(promise: Promise<unknown>): Promise<SegmenterError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SegmenterError);
  return error as SegmenterError;
}

function expectTiled(segments: MediaSegment[], totalSamples: number): void {
  let next = 0;
  for (const [i, segment] of segments.entries()) {
    expect(segment).toMatchObject({ index: i, startSample: next, sampleRate: 16000, channels: 1 });
    expect(segment.pcm.length).toBe((segment.endSample - segment.startSample) * 2);
    expect(segment.startSeconds).toBe(segment.startSample / 16000);
    expect(segment.endSeconds - segment.startSeconds).toBeLessThanOrEqual(45);
    next = segment.endSample;
  }
  expect(next).toBe(totalSamples);
}

describe("probeMedia", () => {
  it("describes the audio", async () => {
    expect(await probeMedia(media.flac!)).toEqual({
      durationSeconds: 100,
      audioDurationSeconds: 100,
      hasAudio: true,
      audioCodec: "flac",
      sampleRate: 48000,
      channels: 2,
      formatName: "flac",
    });
  });

  it("reads a file whose name starts with '-' and contains ':'", async () => {
    expect((await probeMedia(media.oddName!)).audioCodec).toBe("pcm_s16le");
  });

  it.each([
    ["videoOnly", "no-audio", /video-only\.mp4 has no audio stream \(found: video\)/],
    ["random", "not-media", /random\.mp4 is not a readable media file: .*Invalid data/],
    ["empty", "not-media", /empty\.wav is empty \(0 bytes\)/],
  ])("rejects %s with %s", async (name, code, message) => {
    const error = await failure(probeMedia(media[name]!));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it("reports a missing file as io", async () => {
    const error = await failure(probeMedia(join(dir, "missing.mp3")));
    expect(error.code).toBe("io");
    expect(error.message).toMatch(/missing\.mp3 does not exist/);
  });

  it("kills ffprobe at the timeout", async () => {
    const error = await failure(probeMedia(media.flac!, { timeoutMs: 1 }));
    expect(error).toMatchObject({ code: "io", message: expect.stringMatching(/ffprobe timed out after 1 ms/) });
  });
});

describe("decodePcmStream", () => {
  it("streams 16 kHz mono s16le", async () => {
    let bytes = 0;
    let chunks = 0;
    for await (const chunk of decodePcmStream(media.flac!)) {
      bytes += chunk.length;
      chunks += 1;
    }
    expect(bytes).toBe(100 * 16000 * 2);
    expect(chunks).toBeGreaterThan(10);
  });

  it("turns an ffmpeg failure into decode-failed with the stderr tail", async () => {
    const error = await failure((async () => {
      for await (const _ of decodePcmStream(media.videoOnly!)) {
        // drain
      }
    })());
    expect(error.code).toBe("decode-failed");
    expect(error.message).toMatch(/ffmpeg could not decode .*video-only\.mp4 \(exited with code 1\)/);
    expect(error.stderrTail).toMatch(/matches no streams/);
  });

  it("decodes ahead of a reader that holds a chunk, as far as the read-ahead", async () => {
    let bytes = 0;
    for await (const chunk of decodePcmStream(media.flac!, { readAheadBytes: 4 * 1024 * 1024 })) {
      // All 3.2 MB fit in the read-ahead: ffmpeg writes them and exits while the first chunk is held.
      if (bytes === 0) await waitFor(async () => (await ffmpegChildren()).length === 0 || undefined, "ffmpeg to finish ahead of the reader");
      bytes += chunk.length;
    }
    expect(bytes).toBe(100 * 16000 * 2);
  });

  it("kills ffmpeg when the consumer stops early", async () => {
    for await (const _ of decodePcmStream(media.flac!)) {
      expect((await ffmpegChildren()).map((c) => c.name)).toEqual(["ffmpeg"]);
      break;
    }
    expect(await ffmpegChildren()).toEqual([]);
  });
});

describe("segmentMedia", () => {
  it("cuts in the silences and tiles the audio exactly", async () => {
    const probed: unknown[] = [];
    const segments = await collect(media.flac!, { onProbe: (info) => void probed.push(info) });
    expect(probed).toHaveLength(1);
    expect(segments.slice(0, -1).map((s) => s.endSeconds)).toEqual(EXPECTED_CUTS);
    expectTiled(segments, 100 * 16000);
  });

  it("finds the same silences in lossy audio", async () => {
    const segments = await collect(media.opus!);
    const cuts = segments.slice(0, -1).map((s) => s.endSeconds);
    expect(cuts).toHaveLength(EXPECTED_CUTS.length);
    for (const [i, cut] of cuts.entries()) expect(Math.abs(cut - EXPECTED_CUTS[i]!)).toBeLessThan(0.1);
    expectTiled(segments, segments.at(-1)!.endSample);
    expect(segments.at(-1)!.endSeconds).toBeCloseTo(100, 1);
  });

  it("cuts pure silence at the target", async () => {
    const segments = await collect(media.silence!);
    expect(segments.map((s) => Math.round(s.endSeconds - s.startSeconds))).toEqual([30, 30, 10]);
    expectTiled(segments, segments.at(-1)!.endSample);
  });

  it("respects cut options", async () => {
    const segments = await collect(media.flac!, { cut: { targetSeconds: 10, searchWindowSeconds: 2, maxSeconds: 12 } });
    expect(segments.length).toBeGreaterThanOrEqual(9);
    expectTiled(segments, 100 * 16000);
    for (const s of segments) expect(s.endSeconds - s.startSeconds).toBeLessThanOrEqual(12);
  });

  it("rejects bad options before spawning anything", () => {
    expect(() => segmentMedia(media.flac!, { cut: { maxSeconds: 10 } })).toThrow(/maxSeconds must be >= /);
  });

  it.each([
    ["videoOnly", "no-audio", /video-only\.mp4/],
    ["random", "not-media", /random\.mp4/],
    ["empty", "not-media", /empty\.wav/],
  ])("fails %s with %s", async (name, code, message) => {
    const error = await failure(collect(media[name]!));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it("reports a failing decoder as decode-failed and a missing one as io", async () => {
    expect((await failure(collect(media.flac!, { ffmpegPath: "false" }))).code).toBe("decode-failed");
    expect((await failure(collect(media.flac!, { ffmpegPath: join(dir, "no-such-ffmpeg") }))).code).toBe("io");
  });

  it("kills ffmpeg when the consumer returns early", async () => {
    let seen = 0;
    for await (const _ of segmentMedia(media.flac!)) {
      seen += 1;
      expect(await ffmpegChildren()).toHaveLength(1);
      break;
    }
    expect(seen).toBe(1);
    expect(await ffmpegChildren()).toEqual([]);
  });

  it("stops with the abort reason and kills ffmpeg", async () => {
    const controller = new AbortController();
    const run = (async () => {
      for await (const _ of segmentMedia(media.flac!, { signal: controller.signal })) controller.abort();
    })();
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(await ffmpegChildren()).toEqual([]);
  });

  it("awaits shouldPause before each segment, and an abort ends a pause", async () => {
    let pauses = 0;
    const segments = await collect(media.flac!, {
      shouldPause: async () => {
        pauses += 1;
      },
    });
    expect(pauses).toBe(segments.length);

    const controller = new AbortController();
    const never = new Promise<void>(() => {});
    const run = collect(media.flac!, { signal: controller.signal, shouldPause: () => never });
    setTimeout(() => controller.abort(), 200);
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
  });

  it("produces segments that survive a WAV round trip through ffmpeg", async () => {
    const [first] = await collect(media.flac!);
    const path = join(dir, "segment-0.wav");
    await writeFile(path, encodeWav(first!.pcm, first!.sampleRate, first!.channels));
    expect(await probeMedia(path)).toMatchObject({ audioCodec: "pcm_s16le", sampleRate: 16000, channels: 1, durationSeconds: 28 });
    const decoded: Buffer[] = [];
    for await (const chunk of decodePcmStream(path)) decoded.push(chunk);
    expect(Buffer.concat(decoded).equals(first!.pcm)).toBe(true);
  });

  it("parses a WAV written by ffmpeg (with a LIST chunk)", async () => {
    const path = await ffmpeg(join(dir, "ffmpeg.wav"), "-i", media.flac!, "-t", "1", "-ac", "1", "-ar", "16000");
    const wav = parseWav(await readFile(path));
    expect(wav).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    expect(wav.pcm.length).toBe(32000);
  });
});

describe("remote input", () => {
  let server: Server;
  let base = "";

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url?.startsWith("/tones.flac")) {
        response.writeHead(200, { "content-type": "audio/flac" });
        createReadStream(media.flac!).pipe(response);
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("segments an http URL", async () => {
    const segments = await collect(`${base}/tones.flac?X-Amz-Signature=topsecret`);
    expect(segments.slice(0, -1).map((s) => s.endSeconds)).toEqual(EXPECTED_CUTS);
  });

  it("reports a missing URL as io without leaking its query string", async () => {
    const error = await failure(probeMedia(`${base}/gone.mp3?X-Amz-Signature=topsecret`));
    expect(error.code).toBe("io");
    expect(error.message).toContain(`${base}/gone.mp3`);
    expect(`${error.message} ${error.stderrTail}`).not.toContain("topsecret");
  });
  // Regression: the container's duration (its longest stream) was once taken as
  // the audio's, so a video whose picture outlasts its sound failed as truncated.
  it("segments a video whose picture outlasts its audio without calling it truncated", async () => {
    const segments = await collect(media.longVideo!);
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.at(-1)!.endSeconds).toBeGreaterThan(5.5);
    expect(segments.at(-1)!.endSeconds).toBeLessThan(6.5);
  });
});
