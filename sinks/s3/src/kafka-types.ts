// kafkajs types as the runtime's Kafka client exposes them, so this package
// needs no direct dependency on kafkajs.

import type { ServiceContext } from "@lingostream/runtime";

type Kafka = ServiceContext["kafka"];
export type Consumer = ReturnType<Kafka["consumer"]>;
export type Producer = ReturnType<Kafka["producer"]>;
type RunConfig = NonNullable<Parameters<Consumer["run"]>[0]>;
export type EachBatchPayload = Parameters<NonNullable<RunConfig["eachBatch"]>>[0];
export type KafkaMessage = EachBatchPayload["batch"]["messages"][number];
