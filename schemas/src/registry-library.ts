// The registry calls made through @kafkajs/confluent-schema-registry:
// registering a subject's schema (SchemaRegistry.register), fetching a schema by
// id (getSchema, cached per id by the library) and encoding (SchemaRegistry.encode).
//
// Every failure becomes a SerdeError. Network failures, timeouts and 408/429/5xx are the
// retriable "registry-unavailable", retried here first by the one retry helper (the
// library's own retry is off, so these calls follow the same policy as the fetch
// calls). The library reports a failed connection as an HTTP 400 carrying the socket
// error's text, so a 400 is read by that text and, when the text does not tell, by a
// quick reachability probe.

import { COMPATIBILITY, SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import { errorMessage, retry } from "@lingostream/errors";
import avro from "avsc";
import { SerdeError } from "./errors.ts";
import type { CompatibilityLevel } from "./registry-admin.ts";
import type { RegistryConnection } from "./registry-connection.ts";
import { avroOptions } from "./topic-schemas.ts";

type LibraryMiddleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]["middlewares"]>[number];

/** What an HTTP status means for one call; undefined falls back to the common rules. */
type StatusRule = (status: number, detail: string, cause: unknown) => SerdeError | undefined;

// The text of socket-level failures: Node's error codes (the library's http transport
// passes on error.message, e.g. "connect ECONNREFUSED 127.0.0.1:8081"), undici's
// "fetch failed" and mappersmith's "Timeout (10000ms)".
const NETWORK_FAILURE =
  /\b(?:ECONNREFUSED|ECONNRESET|ECONNABORTED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|EPIPE|UND_ERR_\w+)\b|socket hang up|fetch failed|other side closed|Timeout \(\d+ms\)/i;

// How the library's ResponseError words a 400 that is no registry answer (a transport
// failure, or a body without the registry's JSON "message").
const UNEXPLAINED_400 = / - Error, status 400\b/;

export class RegistryLibrary {
  /** The library's client; its cache holds every schema registered or fetched by id. */
  readonly schemaRegistry: SchemaRegistry;
  readonly #connection: RegistryConnection;
  /** The level a subject has now, for a register() the library refused over the level. */
  readonly #levelOf: (subject: string) => Promise<CompatibilityLevel | undefined>;

  constructor(connection: RegistryConnection, levelOf: (subject: string) => Promise<CompatibilityLevel | undefined>) {
    this.#connection = connection;
    this.#levelOf = levelOf;
    this.schemaRegistry = new SchemaRegistry(
      {
        host: connection.url,
        auth: connection.auth && { username: connection.auth.username, password: connection.auth.password },
        clientId: "lingostream",
        retry: { retries: 0 },
        middlewares: [requestTimeout(connection.timeoutMs)],
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
   * level makes the library refuse, and so does a level another client set in between;
   * then the schema is registered under the level the subject has, so a level someone
   * chose is left alone.
   */
  async register(subject: string, schema: string, newSubjectLevel: CompatibilityLevel): Promise<number> {
    const confluentSchema = { type: SchemaType.AVRO, schema } as const;
    const registered = await this.#call(
      `register a schema under ${subject}`,
      async () => {
        try {
          return await this.schemaRegistry.register(confluentSchema, { subject, compatibility: COMPATIBILITY[newSubjectLevel] });
        } catch (error) {
          if (!isNamed(error, "ConfluentSchemaRegistryCompatibilityError") && !lostLevelRace(error)) throw error;
          const level = (await this.#levelOf(subject)) ?? newSubjectLevel;
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
      schema = await this.#call(
        `fetch schema ${id}`,
        () => this.schemaRegistry.getSchema(id),
        (status, detail, cause) => (status === 404 ? unknownId(id, detail, cause) : undefined),
      );
    } catch (error) {
      // The library could not build a type from what the registry returned.
      const cause = error instanceof SerdeError ? error.cause : undefined;
      if (isNamed(cause, "ConfluentSchemaRegistryArgumentError")) {
        throw new SerdeError("incompatible-schema", `schema id ${id} is not a usable Avro schema: ${errorMessage(cause)}`, {
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
      return await this.#call(
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

  /** Runs a library call, retried by the one retry helper while it fails as "registry-unavailable"; every failure becomes a SerdeError. */
  #call<T>(what: string, call: () => Promise<T>, rule: StatusRule): Promise<T> {
    return retry(async () => {
      try {
        return await call();
      } catch (error) {
        throw await this.#classify(error, what, rule);
      }
    }, this.#connection.retryPolicy);
  }

  async #classify(error: unknown, what: string, rule: StatusRule): Promise<SerdeError> {
    if (error instanceof SerdeError) return error; // from a fetch call made inside `call`
    const text = errorMessage(error);
    const status = statusOf(error);
    if (status === undefined) {
      // Not an HTTP answer: the library's own refusal (an invalid schema), or a failure below it.
      if (NETWORK_FAILURE.test(causeChainText(error))) return this.#connection.unreachable(error);
      return new SerdeError("registry-error", `could not ${what}: ${text}`, { cause: error });
    }
    const ruled = rule(status, text, error);
    if (ruled) return ruled;
    if (status === 408 || status === 429 || status >= 500) return this.#connection.unavailable(what, status, text, error);
    // A 400 that is a transport failure dressed as an answer is no answer at all.
    if (status === 400 && (NETWORK_FAILURE.test(text) || (UNEXPLAINED_400.test(text) && !(await this.#reachable())))) {
      return this.#connection.unreachable(error);
    }
    return new SerdeError("registry-error", `schema registry refused to ${what}: HTTP ${status} ${text}`, {
      cause: error,
      status,
    });
  }

  /** Whether the registry answers HTTP at all (any status); a probe for an unexplained 400. */
  async #reachable(): Promise<boolean> {
    try {
      await fetch(`${this.#connection.url}/subjects`, { method: "HEAD", signal: AbortSignal.timeout(Math.min(this.#connection.timeoutMs, 2_000)) });
      return true;
    } catch {
      return false;
    }
  }
}

function unknownId(id: number, detail: string, cause: unknown): SerdeError {
  return new SerdeError("unknown-schema-id", `schema registry has no schema with id ${id}: ${detail}`, {
    schemaId: id,
    status: 404,
    cause,
  });
}

function badAnswer(what: string, data: unknown): SerdeError {
  return new SerdeError("registry-error", `unexpected registry answer to ${what}: ${JSON.stringify(data).slice(0, 200)}`);
}

/**
 * Whether the library's level write for a new subject was refused because another
 * client set the level first (a fleet starting at once: Apicurio answers 409 "A rule
 * named 'COMPATIBILITY' already exists"). The version is registered by then; registering
 * again under the level the subject now has returns its id.
 */
function lostLevelRace(error: unknown): boolean {
  const url = error instanceof Error ? (error as { url?: unknown }).url : undefined;
  return statusOf(error) === 409 && typeof url === "string" && /^put .*\/config\/[^/]+$/i.test(url);
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
    parts.push(errorMessage(e), String((e as { code?: unknown }).code ?? ""));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(" ");
}
