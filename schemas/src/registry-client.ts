// Client of the Confluent-compatible schema registry API (Confluent, or Apicurio's
// /apis/ccompat/v7): one object for the serde and the tools, over the two ways the
// calls are made. Registering, fetching a schema by id and encoding go through
// @kafkajs/confluent-schema-registry (registry-library.ts); the calls that library
// has no public call for are plain fetch requests (registry-admin.ts). Both follow
// one connection's timeout and retry policy (registry-connection.ts), and every
// failure of either is a SerdeError.

import type { SchemaRegistry } from "@kafkajs/confluent-schema-registry";
import type avro from "avsc";
import { type CompatibilityLevel, type CompatibilityResult, RegistryAdmin } from "./registry-admin.ts";
import { type RegistryClientOptions, RegistryConnection } from "./registry-connection.ts";
import { RegistryLibrary } from "./registry-library.ts";

export type { CompatibilityLevel, CompatibilityResult } from "./registry-admin.ts";
export type { RegistryAuth, RegistryClientOptions } from "./registry-connection.ts";

export class RegistryClient {
  readonly url: string;
  readonly #library: RegistryLibrary;
  readonly #admin: RegistryAdmin;

  constructor(options: RegistryClientOptions) {
    const connection = new RegistryConnection(options);
    this.url = connection.url;
    this.#admin = new RegistryAdmin(connection);
    this.#library = new RegistryLibrary(connection, (subject) => this.#admin.getCompatibility(subject));
  }

  /** The @kafkajs/confluent-schema-registry client behind register, schemaById and encode. */
  get schemaRegistry(): SchemaRegistry {
    return this.#library.schemaRegistry;
  }

  /** Registers (or finds) a schema under a subject and returns its id; see RegistryLibrary.register. */
  register(subject: string, schema: string, newSubjectLevel: CompatibilityLevel = "BACKWARD"): Promise<number> {
    return this.#library.register(subject, schema, newSubjectLevel);
  }

  /** The Avro type of a schema id, cached per id. */
  schemaById(id: number): Promise<avro.Type> {
    return this.#library.schemaById(id);
  }

  /** Confluent wire bytes of `value` under schema `id`. */
  encode(id: number, value: unknown): Promise<Buffer> {
    return this.#library.encode(id, value);
  }

  /** The level that applies to the subject; undefined on 404. */
  getCompatibility(subject: string): Promise<CompatibilityLevel | undefined> {
    return this.#admin.getCompatibility(subject);
  }

  setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    return this.#admin.setCompatibility(subject, level);
  }

  /** Whether `schema` could be registered as the subject's next version; compatible when the subject is new. */
  checkCompatibility(subject: string, schema: string): Promise<CompatibilityResult> {
    return this.#admin.checkCompatibility(subject, schema);
  }

  subjects(): Promise<string[]> {
    return this.#admin.subjects();
  }

  /** Deletes a subject and all its versions; `permanent` also frees the name (a second call). */
  deleteSubject(subject: string, permanent = false): Promise<void> {
    return this.#admin.deleteSubject(subject, permanent);
  }
}
