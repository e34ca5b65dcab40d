// The machine a result came from: figures from different machines do not compare.

import { cpus, loadavg, release, totalmem } from "node:os";

export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  memoryBytes: number;
  node: string;
  kernel: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? "unknown",
    cpuCount: list.length,
    memoryBytes: totalmem(),
    node: process.version,
    kernel: `${process.platform} ${release()}`,
  };
}

export function loadAverage(): number[] {
  return loadavg().map((l) => Math.round(l * 100) / 100);
}
