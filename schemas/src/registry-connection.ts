// How this process reaches the schema registry: its URL, credentials, per-request
// timeout and retry policy, shared by the library calls and the plain fetch calls
// so both follow one policy, and the two ways it can be unavailable, worded once.

import { defaultRetryPolicy, describeUnreachable, type Endpoint, type RetryPolicy } from "@lingostream/errors";
import { SerdeError } from "./errors.ts";

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

export class RegistryConnection {
  readonly url: string;
  readonly auth: RegistryAuth | undefined;
  /** The Basic authorization header value, when there are credentials. */
  readonly authorization: string | undefined;
  readonly timeoutMs: number;
  /** Retries after a registry-unavailable failure: the first delay doubled per try with jitter, at most 10 s. */
  readonly retryPolicy: RetryPolicy;
  /** Where the registry was looked for, in the words of the other services' unreachable errors. */
  readonly endpoint: Endpoint;

  constructor(options: RegistryClientOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.auth = options.auth;
    this.authorization = options.auth
      ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`
      : undefined;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retryPolicy = { ...defaultRetryPolicy, retries: options.retries ?? 2, minDelayMs: options.retryBaseMs ?? 100 };
    // SCHEMA_REGISTRY_URL is the setting runtime's configuration reads this URL from.
    this.endpoint = { service: "the schema registry", address: this.url, variable: "SCHEMA_REGISTRY_URL" };
  }

  /** No answer at all (refused, unknown host, timed out): the one "cannot reach" line Kafka and S3 give too. */
  unreachable(cause: unknown): SerdeError {
    const { message, details } = describeUnreachable(this.endpoint, cause);
    return new SerdeError("registry-unavailable", message, { cause, details });
  }

  /** An answer that says "later" (408, 429, 5xx): retriable like no answer, worded with what the registry said. */
  unavailable(what: string, status: number, detail: string, cause?: unknown): SerdeError {
    return new SerdeError("registry-unavailable", `schema registry at ${this.url} unavailable to ${what}: HTTP ${status} ${detail}`, {
      cause,
      status,
    });
  }
}
