// Connection settings every service shares: Kafka, the schema registry, S3,
// topic naming, tenant and logging. Services add their own fields beside these.

import { bool, hostPorts, int, oneOf, str, url, type ConfigOf } from "./config.ts";

export const LOCAL_KAFKA_BROKERS = ["localhost:9092"];
export const LOCAL_REGISTRY_URL = "http://localhost:8081/apis/ccompat/v7";
export const LOCAL_S3_ENDPOINT = "http://localhost:9000";
/** The local stack's S3 server accepts any key; these are the ones `stack up` prints. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: "lingostream", secretAccessKey: "lingostream-secret" };

export const connectionSpec = {
  kafkaBrokers: hostPorts({ env: "KAFKA_BROKERS", doc: "Kafka bootstrap servers; unset means the local stack", default: LOCAL_KAFKA_BROKERS }),
  kafkaClientId: str({ env: "KAFKA_CLIENT_ID", doc: "Kafka client id prefix", default: "lingostream" }),
  kafkaSsl: bool({ env: "KAFKA_SSL", doc: "connect to Kafka over TLS", default: false }),
  kafkaSaslMechanism: oneOf({
    env: "KAFKA_SASL_MECHANISM",
    doc: "SASL mechanism for Kafka",
    default: "none",
    values: ["none", "plain", "scram-sha-256", "scram-sha-512"] as const,
  }),
  kafkaSaslUsername: str({ env: "KAFKA_SASL_USERNAME", doc: "SASL user name", default: undefined }),
  kafkaSaslPassword: str({ env: "KAFKA_SASL_PASSWORD", doc: "SASL password (never logged)", default: undefined, secret: true }),
  kafkaConnectTimeoutMs: int({ env: "KAFKA_CONNECT_TIMEOUT_MS", doc: "broker connection timeout, ms", default: 5000, min: 100 }),
  registryUrl: url({ env: "SCHEMA_REGISTRY_URL", doc: "Confluent-compatible schema registry URL", default: LOCAL_REGISTRY_URL }),
  registryUsername: str({ env: "SCHEMA_REGISTRY_USERNAME", doc: "registry basic-auth user", default: undefined }),
  registryPassword: str({ env: "SCHEMA_REGISTRY_PASSWORD", doc: "registry basic-auth password (never logged)", default: undefined, secret: true }),
  s3Endpoint: url({ env: "S3_ENDPOINT", doc: "S3 API endpoint; empty with S3_USE_AWS=true means AWS itself", default: LOCAL_S3_ENDPOINT }),
  s3UseAws: bool({ env: "S3_USE_AWS", doc: "use AWS S3 endpoints instead of S3_ENDPOINT", default: false }),
  s3Region: str({ env: "S3_REGION", doc: "S3 region", default: "us-east-1" }),
  s3Bucket: str({ env: "S3_BUCKET", doc: "bucket for segment audio, result batches and transcripts", default: "lingostream" }),
  s3AccessKeyId: str({ env: "S3_ACCESS_KEY_ID", doc: "S3 access key; unset means the AWS default chain (env, profile, role), or the local stack's key for the local endpoint", default: undefined }),
  s3SecretAccessKey: str({ env: "S3_SECRET_ACCESS_KEY", doc: "S3 secret key (never logged)", default: undefined, secret: true }),
  s3ForcePathStyle: bool({ env: "S3_FORCE_PATH_STYLE", doc: "path-style S3 addressing (needed by most local servers)", default: true }),
  topicPrefix: str({ env: "LINGOSTREAM_TOPIC_PREFIX", doc: "prefix for every topic name (isolates test runs or tenants)", default: "" }),
  tenant: str({ env: "LINGOSTREAM_TENANT", doc: "tenant recorded on submitted jobs", default: "default" }),
  logLevel: oneOf({
    env: "LOG_LEVEL",
    doc: "log level",
    default: "info",
    values: ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const,
  }),
};

export type ConnectionConfig = ConfigOf<typeof connectionSpec>;
