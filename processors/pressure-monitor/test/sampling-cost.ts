// Measures what one memory sample costs on this machine: CPU time and wall time
// per sample, with all sources and with the process alone, and the event-loop
// delay while sampling far faster than the monitor ever does.
// Run: npm run measure:sampling -w @lingostream/pressure-monitor

import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { MemorySampler } from "@lingostream/runtime";

const N = Number(process.env.SAMPLES ?? 2000);

async function cost(label: string, sampler: MemorySampler): Promise<void> {
  for (let i = 0; i < 100; i++) await sampler.sample();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < N; i++) await sampler.sample();
  const wallMs = (performance.now() - started) / N;
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / N;
  console.log(`${label.padEnd(28)} cpu ${cpuUs.toFixed(1)} µs/sample   wall ${(wallMs * 1000).toFixed(1)} µs/sample`);
}

const all = new MemorySampler();
const first = await all.sample();
console.log(
  `sources: host ${first.host.source}, cgroup ${first.cgroup ? `v${first.cgroup.version} at ${first.cgroup.dir}` : "none"}, PSI ${first.psi ? "yes" : "none"}`,
);
await cost("all sources", all);
await cost("process only", new MemorySampler({ sources: { host: false, cgroup: false, psi: false } }));

// Event-loop delay over 5 s of a 10 ms timer loop, without and with a sample per turn
// (the monitor samples every 2 s); the difference is what sampling adds.
async function loopDelay(label: string, work: () => Promise<unknown>): Promise<void> {
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    await work();
    await sleep(10);
  }
  eld.disable();
  const lag = (ns: number) => `${Math.max(0, ns / 1e6 - 10).toFixed(2)} ms`;
  console.log(`${label.padEnd(28)} event-loop delay p50 ${lag(eld.percentile(50))}, p99 ${lag(eld.percentile(99))}, max ${lag(eld.max)}`);
}
await loopDelay("idle loop", async () => {});
await loopDelay("sampling every 10 ms", () => all.sample());
await all.close();
