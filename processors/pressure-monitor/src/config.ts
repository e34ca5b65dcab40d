// Settings of the pressure monitor: the shared memory settings (including the
// host its events carry) plus the key that names this monitor's events.

import { ConfigError, type ConfigOf, type Env, loadConfig, memoryConfigProblems, memorySpec, str } from "@lingostream/runtime";

export const pressureMonitorSpec = {
  ...memorySpec,
  sourceId: str({
    env: "LINGOSTREAM_PRESSURE_SOURCE_ID",
    doc: "key and sourceId of published events; unset: the host name (host scope) or host/pressure-monitor/instance (process scope)",
    default: undefined,
  }),
};

export type PressureMonitorConfig = ConfigOf<typeof pressureMonitorSpec>;

export function loadPressureMonitorConfig(env: Env): PressureMonitorConfig {
  const config = loadConfig(pressureMonitorSpec, env);
  const problems = memoryConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
