// Thin client for the Confluent-compatible schema registry API (Confluent, or
// Apicurio's /apis/ccompat/v7). Network failures, timeouts and 5xx become the
// retriable SerdeError "registry-unavailable"; other answers go back to the caller.

import { SerdeError } from "./errors.ts";

export type CompatibilityLevel =
  | "BACKWARD"
  | "BACKWARD_TRANSITIVE"
  | "FORWARD"
  | "FORWARD_TRANSITIVE"
  | "FULL"
  | "FULL_TRANSITIVE"
  | "NONE";

export interface RegistryAuth {
  username: string;
  password: string;
}

export interface RegistryClientOptions {
  /** Base URL, e.g. http://localhost:8081/apis/ccompat/v7 (Apicurio) or http://localhost:8081 (Confluent). */
  url: string;
  auth?: RegistryAuth;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
  /** Extra tries after a network error or 5xx; default 2. */
  retries?: number;
  /** First backoff, doubled per try with jitter; default 100 ms (tests pass 1). */
  retryBaseMs?: number;
}

export interface RegistrySchema {
  schema: string;
  schemaType?: string;
  references?: unknown[];
}

export interface CompatibilityResult {
  compatible: boolean;
  /** Why not, when the registry says (Confluent and Apicurio fill this only with verbose=true). */
  messages: string[];
}

interface Answer {
  status: number;
  data: unknown;
}

const CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

export class RegistryClient {
  readonly url: string;
  readonly #authorization: string | undefined;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #retryBaseMs: number;

  constructor(options: RegistryClientOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.#authorization = options.auth
      ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`
      : undefined;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#retries = options.retries ?? 2;
    this.#retryBaseMs = options.retryBaseMs ?? 100;
  }

  /** Registers (or finds) a schema under a subject and returns its global id. */
  async register(subject: string, schema: string): Promise<number> {
    const answer = await this.#send("POST", `/subjects/${enc(subject)}/versions`, { schemaType: "AVRO", schema });
    if (answer.status === 409) {
      throw new SerdeError("incompatible-schema", `registry refused the schema for ${subject}: ${message(answer)}`, {
        status: 409,
      });
    }
    return idOf(record(this.#expectOk(answer, `register a schema under ${subject}`)));
  }

  /** The schema behind a global id; "unknown-schema-id" when the registry has none. */
  async schemaById(id: number): Promise<RegistrySchema> {
    const answer = await this.#send("GET", `/schemas/ids/${id}`);
    if (answer.status === 404) {
      throw new SerdeError("unknown-schema-id", `schema registry has no schema with id ${id}`, {
        schemaId: id,
        status: 404,
      });
    }
    const data = record(this.#expectOk(answer, `fetch schema ${id}`));
    if (typeof data.schema !== "string") throw badAnswer(`GET /schemas/ids/${id}`, data);
    return data as unknown as RegistrySchema;
  }

  /**
   * The level that applies to the subject; undefined on 404. Confluent answers 404
   * when the subject has no level of its own; Apicurio only when the subject does
   * not exist (otherwise it reports the inherited global level).
   */
  async getCompatibility(subject: string): Promise<CompatibilityLevel | undefined> {
    const answer = await this.#send("GET", `/config/${enc(subject)}`);
    if (answer.status === 404) return undefined;
    const data = record(this.#expectOk(answer, `read the compatibility of ${subject}`));
    const level = data.compatibilityLevel ?? data.compatibility;
    return typeof level === "string" ? (level.toUpperCase() as CompatibilityLevel) : undefined;
  }

  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    const answer = await this.#send("PUT", `/config/${enc(subject)}`, { compatibility: level });
    this.#expectOk(answer, `set the compatibility of ${subject} to ${level}`);
  }

  /** Whether `schema` could be registered as the subject's next version; compatible when the subject is new. */
  async checkCompatibility(subject: string, schema: string): Promise<CompatibilityResult> {
    const answer = await this.#send("POST", `/compatibility/subjects/${enc(subject)}/versions/latest?verbose=true`, {
      schemaType: "AVRO",
      schema,
    });
    if (answer.status === 404) return { compatible: true, messages: [] };
    const data = record(this.#expectOk(answer, `check compatibility against ${subject}`));
    const messages = Array.isArray(data.messages) ? data.messages.map(String) : [];
    return { compatible: data.is_compatible === true, messages };
  }

  async subjects(): Promise<string[]> {
    const answer = await this.#send("GET", "/subjects");
    const data = this.#expectOk(answer, "list subjects");
    return Array.isArray(data) ? data.map(String) : [];
  }

  /** Deletes a subject and all its versions; `permanent` also frees the name (a second call). */
  async deleteSubject(subject: string, permanent = false): Promise<void> {
    const soft = await this.#send("DELETE", `/subjects/${enc(subject)}`);
    if (soft.status !== 404) this.#expectOk(soft, `delete ${subject}`);
    if (permanent) {
      const hard = await this.#send("DELETE", `/subjects/${enc(subject)}?permanent=true`);
      if (hard.status !== 404) this.#expectOk(hard, `permanently delete ${subject}`);
    }
  }

  async #send(method: string, path: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = { accept: `${CONTENT_TYPE}, application/json` };
    if (body !== undefined) headers["content-type"] = CONTENT_TYPE;
    if (this.#authorization) headers.authorization = this.#authorization;
    for (let attempt = 0; ; attempt++) {
      let failure: string;
      let cause: unknown;
      try {
        const response = await fetch(`${this.url}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        const text = await response.text();
        if (response.status < 500 && response.status !== 408 && response.status !== 429) {
          return { status: response.status, data: parse(text) };
        }
        failure = `HTTP ${response.status} ${text.slice(0, 200)}`;
      } catch (error) {
        cause = error;
        const reason = error instanceof Error && error.cause instanceof Error ? error.cause : error;
        failure = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
      }
      if (attempt >= this.#retries) {
        throw new SerdeError("registry-unavailable", `schema registry ${method} ${this.url}${path} failed: ${failure}`, {
          cause,
        });
      }
      // Jitter so consumers that lost the registry together do not return together.
      const delay = this.#retryBaseMs * 2 ** attempt * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  #expectOk(answer: Answer, what: string): unknown {
    if (answer.status >= 200 && answer.status < 300) return answer.data;
    throw new SerdeError("registry-error", `schema registry refused to ${what}: HTTP ${answer.status} ${message(answer)}`, {
      status: answer.status,
    });
  }
}

function enc(subject: string): string {
  return encodeURIComponent(subject);
}

function parse(text: string): unknown {
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text.slice(0, 200) };
  }
}

function record(data: unknown): Record<string, unknown> {
  return data !== null && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

function message(answer: Answer): string {
  const { error_code: code, message: text } = record(answer.data);
  return [code === undefined ? "" : `[${String(code)}]`, typeof text === "string" ? text : JSON.stringify(answer.data)]
    .filter(Boolean)
    .join(" ");
}

function idOf(data: Record<string, unknown>): number {
  if (typeof data.id !== "number") throw badAnswer("register", data);
  return data.id;
}

function badAnswer(what: string, data: unknown): SerdeError {
  return new SerdeError("registry-error", `unexpected registry answer to ${what}: ${JSON.stringify(data).slice(0, 200)}`);
}
