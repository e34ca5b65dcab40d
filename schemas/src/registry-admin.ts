// The registry calls @kafkajs/confluent-schema-registry has no public call for,
// as plain fetch requests: reading and setting a subject's compatibility level
// (GET/PUT /config/{subject}), checking a schema (POST /compatibility/...),
// listing subjects and deleting them.
//
// Every failure becomes a SerdeError: network failures, timeouts and
// 408/429/5xx are the retriable "registry-unavailable", retried first by the one
// retry helper with the connection's policy; any other refusal is "registry-error".

import { retry } from "@lingostream/errors";
import { SerdeError } from "./errors.ts";
import type { RegistryConnection } from "./registry-connection.ts";

export type CompatibilityLevel =
  | "BACKWARD"
  | "BACKWARD_TRANSITIVE"
  | "FORWARD"
  | "FORWARD_TRANSITIVE"
  | "FULL"
  | "FULL_TRANSITIVE"
  | "NONE";

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

export class RegistryAdmin {
  readonly #connection: RegistryConnection;

  constructor(connection: RegistryConnection) {
    this.#connection = connection;
  }

  /**
   * The level that applies to the subject; undefined on 404. Confluent answers 404
   * when the subject has no level of its own; Apicurio only when the subject does
   * not exist (otherwise it reports the inherited global level).
   */
  async getCompatibility(subject: string): Promise<CompatibilityLevel | undefined> {
    const answer = await this.#send("GET", `/config/${enc(subject)}`);
    if (answer.status === 404) return undefined;
    const data = record(expectOk(answer, `read the compatibility of ${subject}`));
    const level = data.compatibilityLevel ?? data.compatibility;
    return typeof level === "string" ? (level.toUpperCase() as CompatibilityLevel) : undefined;
  }

  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    const answer = await this.#send("PUT", `/config/${enc(subject)}`, { compatibility: level });
    expectOk(answer, `set the compatibility of ${subject} to ${level}`);
  }

  /** Whether `schema` could be registered as the subject's next version; compatible when the subject is new. */
  async checkCompatibility(subject: string, schema: string): Promise<CompatibilityResult> {
    const answer = await this.#send("POST", `/compatibility/subjects/${enc(subject)}/versions/latest?verbose=true`, {
      schemaType: "AVRO",
      schema,
    });
    if (answer.status === 404) return { compatible: true, messages: [] };
    const data = record(expectOk(answer, `check compatibility against ${subject}`));
    const messages = Array.isArray(data.messages) ? data.messages.map(String) : [];
    return { compatible: data.is_compatible === true, messages };
  }

  async subjects(): Promise<string[]> {
    const answer = await this.#send("GET", "/subjects");
    const data = expectOk(answer, "list subjects");
    return Array.isArray(data) ? data.map(String) : [];
  }

  /** Deletes a subject and all its versions; `permanent` also frees the name (a second call). */
  async deleteSubject(subject: string, permanent = false): Promise<void> {
    const soft = await this.#send("DELETE", `/subjects/${enc(subject)}`);
    if (soft.status !== 404) expectOk(soft, `delete ${subject}`);
    if (permanent) {
      const hard = await this.#send("DELETE", `/subjects/${enc(subject)}?permanent=true`);
      if (hard.status !== 404) expectOk(hard, `permanently delete ${subject}`);
    }
  }

  /** One request, retried by the one retry helper while the registry is unavailable. */
  #send(method: string, path: string, body?: unknown): Promise<Answer> {
    const { url, authorization, timeoutMs, retryPolicy } = this.#connection;
    const headers: Record<string, string> = { accept: `${CONTENT_TYPE}, application/json` };
    if (body !== undefined) headers["content-type"] = CONTENT_TYPE;
    if (authorization) headers.authorization = authorization;
    return retry(async () => {
      let status: number;
      let text: string;
      try {
        const response = await fetch(`${url}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = response.status;
        text = await response.text();
      } catch (error) {
        throw this.#connection.unreachable(error);
      }
      if (status >= 500 || status === 408 || status === 429) {
        throw this.#connection.unavailable(`${method} ${path}`, status, text.slice(0, 200));
      }
      return { status, data: parse(text) };
    }, retryPolicy);
  }
}

function expectOk(answer: Answer, what: string): unknown {
  if (answer.status >= 200 && answer.status < 300) return answer.data;
  throw new SerdeError("registry-error", `schema registry refused to ${what}: HTTP ${answer.status} ${message(answer)}`, {
    status: answer.status,
  });
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
