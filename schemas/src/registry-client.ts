// Client of the Confluent-compatible schema registry API (Confluent, or Apicurio's
// /apis/ccompat/v7).
//
// The core operations go through @kafkajs/confluent-schema-registry: registering a
// subject's schema (SchemaRegistry.register), fetching a schema by id (getSchema, cached
// per id by the library) and encoding (SchemaRegistry.encode). The library has no
// public call for the rest, so these few stay plain fetch requests here: reading and
// setting a subject's compatibility level (GET/PUT /config/{subject}), checking a
// schema (POST /compatibility/...), listing subjects and deleting them.
//
// Every failure becomes a SerdeError. Network failures, timeouts and 408/429/5xx are the
// retriable "registry-unavailable", retried here with backoff first (the library's own
// retry is off, so both kinds of call follow one policy). The library reports a failed
// connection as an HTTP 400 carrying the socket error's text, so a 400 is read by that
// text and, when the text does not tell, by a quick reachability probe.

import { COMPATIBILITY, SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import avro from "avsc";
import { SerdeError } from "./errors.ts";
import { avroOptions } from "./topic-schemas.ts";

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

export interface CompatibilityResult {
  compatible: boolean;
  /** Why not, when the registry says (Confluent and Apicurio fill this only with verbose=true). */
  messages: string[];
}

interface Answer {
  status: number;
  data: unknown;
}

type LibraryMiddleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]["middlewares"]>[number];

/** What an HTTP status means for one call; undefined falls back to the common rules. */
type StatusRule = (status: number, detail: string, cause: unknown) => SerdeError | undefined;

const CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

// The text of socket-level failures: Node's error codes (the library's http transport
// passes on error.message, e.g. "connect ECONNREFUSED 127.0.0.1:8081"), undici's
// "fetch failed" and mappersmith's "Timeout (10000ms)".
const NETWORK_FAILURE =
  /\b(?:ECONNREFUSED|ECONNRESET|ECONNABORTED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|EPIPE|UND_ERR_\w+)\b|socket hang up|fetch failed|other side closed|Timeout \(\d+ms\)/i;

// How the library's ResponseError words a 400 that is no registry answer (a transport
// failure, or a body without the registry's JSON "message").
const UNEXPLAINED_400 = / - Error, status 400\b/;

export class RegistryClient {
  readonly url: string;
  /** The @kafkajs/confluent-schema-registry client behind register, schemaById and encode. */
  readonly schemaRegistry: SchemaRegistry;
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
    this.schemaRegistry = new SchemaRegistry(
      {
        host: this.url,
        auth: options.auth && { username: options.auth.username, password: options.auth.password },
        clientId: "lingostream",
        retry: { retries: 0 },
        middlewares: [requestTimeout(this.#timeoutMs)],
      },
      // Every type the library builds (schemas fetched by id included) gets the shared
      // avsc options: the generated TypeScript shapes and the bounded array/map reads.
      { [SchemaType.AVRO]: avroOptions() },
    );
  }

  /**
   * Registers (or finds) a schema under a subject and returns its id, through the
   * library's register(). The library first reads the subject's level: a subject that
   * has none (404: a new subject, or on Confluent one that inherits the global level)
   * gets `newSubjectLevel` right after the version is registered. A subject with another
   * level makes the library refuse; then the schema is registered under the level the
   * subject has, so a level someone chose is left alone.
   */
  async register(subject: string, schema: string, newSubjectLevel: CompatibilityLevel = "BACKWARD"): Promise<number> {
    const confluentSchema = { type: SchemaType.AVRO, schema } as const;
    const registered = await this.#library(
      `register a schema under ${subject}`,
      async () => {
        try {
          return await this.schemaRegistry.register(confluentSchema, { subject, compatibility: COMPATIBILITY[newSubjectLevel] });
        } catch (error) {
          if (!isNamed(error, "ConfluentSchemaRegistryCompatibilityError")) throw error;
          const level = (await this.getCompatibility(subject)) ?? newSubjectLevel;
          return await this.schemaRegistry.register(confluentSchema, { subject, compatibility: COMPATIBILITY[level] });
        }
      },
      (status, detail, cause) =>
        status === 409
          ? new SerdeError("incompatible-schema", `registry refused the schema for ${subject}: ${detail}`, { status, cause })
          : undefined,
    );
    if (typeof registered?.id !== "number") throw badAnswer(`register under ${subject}`, registered);
    return registered.id;
  }

  /**
   * The Avro type of a schema id, built by the library with the shared avsc options and
   * cached by it: "unknown-schema-id" when the registry has none, "incompatible-schema"
   * when the id holds no usable Avro schema.
   */
  async schemaById(id: number): Promise<avro.Type> {
    let schema: unknown;
    try {
      schema = await this.#library(
        `fetch schema ${id}`,
        () => this.schemaRegistry.getSchema(id),
        (status, detail, cause) => (status === 404 ? unknownId(id, detail, cause) : undefined),
      );
    } catch (error) {
      // The library could not build a type from what the registry returned.
      const cause = error instanceof SerdeError ? error.cause : undefined;
      if (isNamed(cause, "ConfluentSchemaRegistryArgumentError")) {
        throw new SerdeError("incompatible-schema", `schema id ${id} is not a usable Avro schema: ${errorText(cause)}`, {
          schemaId: id,
          cause,
        });
      }
      throw error;
    }
    const type = this.schemaRegistry.cache.getSchema(id)?.type;
    if (type !== SchemaType.AVRO || !avro.Type.isType(schema)) {
      throw new SerdeError("incompatible-schema", `schema id ${id} is ${type ?? "no Avro type"}, not Avro`, { schemaId: id });
    }
    return schema as avro.Type;
  }

  /**
   * Confluent wire bytes of `value` under schema `id`, by the library's encode() (the
   * schema comes from its cache, filled by register() or a fetch by id).
   */
  async encode(id: number, value: unknown): Promise<Buffer> {
    try {
      return await this.#library(
        `encode with schema ${id}`,
        () => this.schemaRegistry.encode(id, value),
        (status, detail, cause) => (status === 404 ? unknownId(id, detail, cause) : undefined),
      );
    } catch (error) {
      const cause = error instanceof SerdeError ? error.cause : undefined;
      if (isNamed(cause, "ConfluentSchemaRegistryValidationError")) {
        const paths = ((cause as { paths?: string[][] }).paths ?? []).map((path) => path.join("."));
        throw new SerdeError("invalid-event", `value does not match schema ${id}: ${paths.join("; ")}`, { paths, cause });
      }
      throw error;
    }
  }

  // ---- Plain fetch: the library exposes no call for these. ----

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

  /** Runs a library call, retrying while it fails as "registry-unavailable"; every failure becomes a SerdeError. */
  async #library<T>(what: string, call: () => Promise<T>, rule: StatusRule): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let failure: SerdeError;
      try {
        return await call();
      } catch (error) {
        failure = await this.#classify(error, what, rule);
      }
      if (failure.code !== "registry-unavailable" || attempt >= this.#retries) throw failure;
      await this.#backoff(attempt);
    }
  }

  async #classify(error: unknown, what: string, rule: StatusRule): Promise<SerdeError> {
    if (error instanceof SerdeError) return error; // from a fetch call made inside `call`
    const text = errorText(error);
    const status = statusOf(error);
    // `answered`: the registry sent a status (5xx ...), not a transport failure dressed as 400.
    const unavailable = (why: string, answered: boolean) =>
      new SerdeError("registry-unavailable", `schema registry ${this.url} unavailable to ${what}: ${why}`, {
        cause: error,
        status: answered ? status : undefined,
      });
    if (status === undefined) {
      // Not an HTTP answer: the library's own refusal (an invalid schema), or a failure below it.
      if (NETWORK_FAILURE.test(causeChainText(error))) return unavailable(text, false);
      return new SerdeError("registry-error", `could not ${what}: ${text}`, { cause: error });
    }
    const ruled = rule(status, text, error);
    if (ruled) return ruled;
    if (status === 408 || status === 429 || status >= 500) return unavailable(text, true);
    if (status === 400 && (NETWORK_FAILURE.test(text) || (UNEXPLAINED_400.test(text) && !(await this.#reachable())))) {
      return unavailable(text, false);
    }
    return new SerdeError("registry-error", `schema registry refused to ${what}: HTTP ${status} ${text}`, {
      cause: error,
      status,
    });
  }

  /** Whether the registry answers HTTP at all (any status); a probe for an unexplained 400. */
  async #reachable(): Promise<boolean> {
    try {
      await fetch(`${this.url}/subjects`, { method: "HEAD", signal: AbortSignal.timeout(Math.min(this.#timeoutMs, 2_000)) });
      return true;
    } catch {
      return false;
    }
  }

  async #send(method: string, path: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = { accept: `${CONTENT_TYPE}, application/json` };
    if (body !== undefined) headers["content-type"] = CONTENT_TYPE;
    if (this.#authorization) headers.authorization = this.#authorization;
    for (let attempt = 0; ; attempt++) {
      let failure: string;
      let cause: unknown;
      let status: number | undefined;
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
        status = response.status;
        failure = `HTTP ${response.status} ${text.slice(0, 200)}`;
      } catch (error) {
        cause = error;
        const reason = error instanceof Error && error.cause instanceof Error ? error.cause : error;
        failure = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
      }
      if (attempt >= this.#retries) {
        throw new SerdeError("registry-unavailable", `schema registry ${method} ${this.url}${path} failed: ${failure}`, {
          cause,
          status,
        });
      }
      await this.#backoff(attempt);
    }
  }

  // Jitter so consumers that lost the registry together do not return together.
  #backoff(attempt: number): Promise<void> {
    const delay = this.#retryBaseMs * 2 ** attempt * (0.5 + Math.random() / 2);
    return new Promise((resolve) => setTimeout(resolve, delay));
  }

  #expectOk(answer: Answer, what: string): unknown {
    if (answer.status >= 200 && answer.status < 300) return answer.data;
    throw new SerdeError("registry-error", `schema registry refused to ${what}: HTTP ${answer.status} ${message(answer)}`, {
      status: answer.status,
    });
  }
}

function unknownId(id: number, detail: string, cause: unknown): SerdeError {
  return new SerdeError("unknown-schema-id", `schema registry has no schema with id ${id}: ${detail}`, {
    schemaId: id,
    status: 404,
    cause,
  });
}

/** Mappersmith middleware giving every library request the client's timeout. */
function requestTimeout(ms: number): LibraryMiddleware {
  return () => ({ prepareRequest: (next) => next().then((request) => request.enhance({ timeout: ms })) });
}

/** The HTTP status of the library's ResponseError (400 for transport failures, see above). */
function statusOf(error: unknown): number | undefined {
  const status = error instanceof Error ? (error as { status?: unknown }).status : undefined;
  return typeof status === "number" ? status : undefined;
}

// The library's error classes are not exported from its entry point; their names are
// stable (each sets name = constructor.name).
function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

function causeChainText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    parts.push(errorText(e), String((e as { code?: unknown }).code ?? ""));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(" ");
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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

function badAnswer(what: string, data: unknown): SerdeError {
  return new SerdeError("registry-error", `unexpected registry answer to ${what}: ${JSON.stringify(data).slice(0, 200)}`);
}
