// How this process reaches the schema registry: its URL, credentials, per-request
// timeout and retry policy, shared by the library calls and the plain fetch calls
// so both follow one policy.

import { setTimeout as sleep } from "node:timers/promises";

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
  readonly retries: number;
  readonly #retryBaseMs: number;

  constructor(options: RegistryClientOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.auth = options.auth;
    this.authorization = options.auth
      ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`
      : undefined;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 2;
    this.#retryBaseMs = options.retryBaseMs ?? 100;
  }

  /** Waits before retry number `attempt + 1`. Jitter so consumers that lost the registry together do not return together. */
  backoff(attempt: number): Promise<void> {
    const delay = this.#retryBaseMs * 2 ** attempt * (0.5 + Math.random() / 2);
    return sleep(delay);
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
