// Which stack the integration tests run against. The addresses a caller
// exported win (CI, `eval "$(lingostream stack up)"`); otherwise a Docker
// engine, when one answers, runs docker-compose.yml's servers through
// testcontainers; otherwise the local stack runs them as plain processes.

/** Where the integration tests find Kafka, the registry and S3. */
export type TestStack = "environment" | "docker-compose" | "local-processes";

/** LINGOSTREAM_TEST_STACK: `auto` (the default) or one of the stacks by name. */
export const TEST_STACK_VALUES = ["auto", "environment", "docker-compose", "local-processes"] as const;

export interface StackChoiceInput {
  /** LINGOSTREAM_TEST_STACK as set, if at all. */
  requested: string | undefined;
  /** KAFKA_BROKERS as set, if at all: the caller already points at a stack. */
  brokers: string | undefined;
  /** Asked only when needed, as finding a container runtime takes a probe. */
  dockerAnswers: () => Promise<boolean>;
}

export async function chooseTestStack(input: StackChoiceInput): Promise<TestStack> {
  const requested = input.requested?.trim() || "auto";
  if (!(TEST_STACK_VALUES as readonly string[]).includes(requested)) {
    throw new Error(`LINGOSTREAM_TEST_STACK=${requested} is not one of ${TEST_STACK_VALUES.join(", ")}`);
  }
  if (requested !== "auto") {
    if (requested === "environment" && !input.brokers?.trim()) {
      throw new Error("LINGOSTREAM_TEST_STACK=environment needs KAFKA_BROKERS (and the registry and S3 addresses) set");
    }
    if (requested === "docker-compose" && !(await input.dockerAnswers())) {
      throw new Error("LINGOSTREAM_TEST_STACK=docker-compose, but no Docker engine answers (DOCKER_HOST, /var/run/docker.sock)");
    }
    return requested as TestStack;
  }
  if (input.brokers?.trim()) return "environment";
  return (await input.dockerAnswers()) ? "docker-compose" : "local-processes";
}
