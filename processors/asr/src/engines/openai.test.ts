import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineError } from "./errors.ts";
import { classifyHttpStatus, mapTranscriptionResponse, OpenAiEngine } from "./openai.ts";

interface Captured {
  url: string | undefined;
  headers: IncomingMessage["headers"];
  form: FormData;
}

type Handler = (req: IncomingMessage, res: ServerResponse, captured: Captured) => void;

let server: Server;
let baseUrl: string;
let handler: Handler = (_req, res) => res.end("{}");
const requests: Captured[] = [];

async function readForm(req: IncomingMessage): Promise<FormData> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers({ "content-type": req.headers["content-type"] ?? "" });
  return new Response(Buffer.concat(chunks), { headers }).formData();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void readForm(req).then((form) => {
      const captured = { url: req.url, headers: req.headers, form };
      requests.push(captured);
      handler(req, res, captured);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const audio = { pcm: Buffer.alloc(3200), sampleRate: 16000 };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
}

async function failure(engine: OpenAiEngine, signal?: AbortSignal): Promise<EngineError> {
  try {
    await engine.transcribe(audio, { language: "en", ...(signal ? { signal } : {}) });
  } catch (err) {
    if (err instanceof EngineError) return err;
    throw err;
  }
  throw new Error("expected the request to fail");
}

describe("OpenAiEngine over HTTP", () => {
  it("posts a WAV multipart request and maps words", async () => {
    handler = json(200, {
      text: " Hello world.",
      language: "english",
      words: [
        { word: "Hello", start: 0.1, end: 0.4 },
        { word: "world.", start: 0.5, end: 0.9, probability: 0.8 },
      ],
    });
    const engine = new OpenAiEngine({ baseUrl, apiKey: "sk-test", model: "whisper-large" });
    const result = await engine.transcribe(audio, { language: "en" });
    expect(result).toEqual({
      language: "en",
      text: "Hello world.",
      words: [
        { text: "Hello", start: 0.1, end: 0.4 },
        { text: "world.", start: 0.5, end: 0.9, confidence: 0.8 },
      ],
    });
    const req = requests.at(-1)!;
    expect(req.url).toBe("/v1/audio/transcriptions");
    expect(req.headers.authorization).toBe("Bearer sk-test");
    expect(req.form.get("model")).toBe("whisper-large");
    expect(req.form.get("language")).toBe("en");
    expect(req.form.get("response_format")).toBe("verbose_json");
    expect(req.form.getAll("timestamp_granularities[]")).toEqual(["word"]);
    const file = req.form.get("file") as File;
    expect(file.name).toBe("audio.wav");
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(bytes.toString("ascii", 0, 4)).toBe("RIFF");
    expect(bytes.length).toBe(44 + audio.pcm.length);
    await engine.close();
  });

  it("sends no authorization header without a key and no language for auto", async () => {
    handler = json(200, { text: "hi", language: "german", words: [] });
    const engine = new OpenAiEngine({ baseUrl });
    const result = await engine.transcribe(audio, { language: "auto" });
    expect(result.language).toBe("german");
    const req = requests.at(-1)!;
    expect(req.headers.authorization).toBeUndefined();
    expect(req.form.has("language")).toBe(false);
    expect(req.form.get("model")).toBe("whisper-1");
  });

  it("classifies 429 and 5xx as retriable engine errors", async () => {
    const engine = new OpenAiEngine({ baseUrl });
    handler = json(429, { error: { message: "slow down" } }, { "retry-after": "2" });
    const throttled = await failure(engine);
    expect(throttled).toMatchObject({ errorClass: "engine", retriable: true, retryAfterMs: 2000 });
    expect(throttled.message).toContain("slow down");
    handler = json(503, { error: "overloaded" });
    expect(await failure(engine)).toMatchObject({ errorClass: "engine", retriable: true });
  });

  it("classifies other 4xx as non-retriable", async () => {
    const engine = new OpenAiEngine({ baseUrl, apiKey: "wrong" });
    for (const status of [400, 401, 404, 413]) {
      handler = json(status, { error: "no" });
      expect(await failure(engine)).toMatchObject({ errorClass: "engine", retriable: false });
    }
  });

  it("turns a non-JSON success body into a non-retriable engine error", async () => {
    handler = (_req, res) => res.end("<html>proxy</html>");
    expect(await failure(new OpenAiEngine({ baseUrl }))).toMatchObject({ errorClass: "engine", retriable: false });
  });

  it("times out with a retriable timeout error", async () => {
    handler = (_req, res) => setTimeout(() => res.end("{}"), 2000).unref();
    const err = await failure(new OpenAiEngine({ baseUrl, timeoutMs: 100 }));
    expect(err).toMatchObject({ errorClass: "timeout", retriable: true });
  });

  it("passes a caller abort through and maps a caller deadline to timeout", async () => {
    handler = (_req, res) => setTimeout(() => res.end("{}"), 2000).unref();
    const engine = new OpenAiEngine({ baseUrl });
    const controller = new AbortController();
    const pending = engine.transcribe(audio, { language: "en", signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(await failure(engine, AbortSignal.timeout(50))).toMatchObject({ errorClass: "timeout" });
  });

  it("reports an unreachable server as a retriable engine error", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await failure(new OpenAiEngine({ baseUrl: `http://127.0.0.1:${port}` }));
    expect(err).toMatchObject({ errorClass: "engine", retriable: true });
  });

  it("rejects work after close", async () => {
    const engine = new OpenAiEngine({ baseUrl });
    await engine.close();
    expect(await failure(engine)).toMatchObject({ errorClass: "engine", retriable: false });
  });
});

describe("mapTranscriptionResponse", () => {
  it("falls back to splitting text when the server gives no words", () => {
    expect(mapTranscriptionResponse({ text: "one two  three" }, "en")).toEqual({
      language: "en",
      text: "one two  three",
      words: [{ text: "one" }, { text: "two" }, { text: "three" }],
    });
  });

  it("skips malformed words and non-numeric times", () => {
    const mapped = mapTranscriptionResponse({ text: "a b", words: [{ word: "a", start: "0" }, { start: 1 }, "x"] }, "en");
    expect(mapped.words).toEqual([{ text: "a" }]);
  });

  it("rejects non-object bodies", () => {
    expect(() => mapTranscriptionResponse([], "en")).toThrow(EngineError);
  });

  it("uses und when neither side names the language", () => {
    expect(mapTranscriptionResponse({ text: "" }, "auto")).toEqual({ language: "und", text: "", words: [] });
  });
});

describe("classifyHttpStatus", () => {
  it("treats 408 as a retriable timeout and parses HTTP-date Retry-After", () => {
    expect(classifyHttpStatus(408, "")).toMatchObject({ errorClass: "timeout", retriable: true });
    const later = new Date(Date.now() + 60_000).toUTCString();
    const err = classifyHttpStatus(502, "bad gateway", later);
    expect(err.retriable).toBe(true);
    expect(err.retryAfterMs).toBeGreaterThan(50_000);
  });
});
