// Starts the long-lived services a process runs, from one environment.

import { loadConfig, type Env, type RunningService, type ServiceContext } from "@lingostream/runtime";
import { asrSpec, startAsrProcessor } from "@lingostream/asr";
import { segmenterSpec, startSegmenter } from "@lingostream/segmenter";
import { sinkSpec, startS3Sink } from "@lingostream/sink-s3";

export const ROLES = ["segmenter", "asr", "sink"] as const;
export type Role = (typeof ROLES)[number];

export interface ServiceOverrides {
  engine?: string;
}

/** Validates every service's config up front so that all problems are reported at once. */
export function loadServiceConfigs(env: Env) {
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      problems.push(...((err as { problems?: string[] }).problems ?? [(err as Error).message]));
      return undefined;
    }
  };
  const asr = attempt(() => loadConfig(asrSpec, env));
  const segmenter = attempt(() => loadConfig(segmenterSpec, env));
  const sink = attempt(() => loadConfig(sinkSpec, env));
  return { asr, segmenter, sink, problems };
}

export async function startServices(ctx: ServiceContext, roles: readonly Role[], env: Env): Promise<RunningService[]> {
  const configs = loadServiceConfigs(env);
  if (configs.problems.length > 0) throw new Error(`invalid configuration:\n  - ${configs.problems.join("\n  - ")}`);
  const started: RunningService[] = [];
  try {
    for (const role of roles) {
      if (role === "sink") started.push(await startS3Sink(ctx, { config: configs.sink! }));
      if (role === "asr") started.push(await startAsrProcessor(ctx, { config: configs.asr! }));
      if (role === "segmenter") started.push(await startSegmenter(ctx, { config: configs.segmenter! }));
    }
  } catch (err) {
    await stopServices(started);
    throw err;
  }
  return started;
}

export async function stopServices(services: RunningService[]): Promise<void> {
  // Upstream first, so downstream drains what upstream produced last.
  for (const service of [...services].reverse()) await service.stop();
}
