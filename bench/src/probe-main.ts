// Entry point of a probe child (see probe-runner.ts). Each probe module is
// imported on its own so a child loads only what its measurement needs: code
// it does not use would pad its RSS and flatter every ratio.

type Probe = (args: never) => Promise<unknown>;

const PROBES: Record<string, () => Promise<Probe>> = {
  "asr-processor": async () => (await import("./probes/pipeline-workers.ts")).runProcessorProbe as Probe,
  sink: async () => (await import("./probes/pipeline-workers.ts")).runSinkProbe as Probe,
  baseline: async () => (await import("./probes/baseline-stage.ts")).runBaselineProbe as Probe,
  segmenter: async () => (await import("./probes/segmenter.ts")).runSegmenterProbe as Probe,
  "pressure-rss": async () => (await import("./probes/pressure-rss.ts")).runPressureRssProbe as Probe,
};

const [name = "", rawArgs = "{}"] = process.argv.slice(2);

async function main(): Promise<void> {
  const load = PROBES[name];
  if (!load) throw new Error(`unknown probe ${name}`);
  const probe = await load();
  const value = await probe(JSON.parse(rawArgs) as never);
  send({ ok: true, value, peakRssBytes: process.resourceUsage().maxRSS * 1024 });
}

function send(message: unknown): void {
  // Exit once the message is out: a lingering socket must not keep the child (and its RSS) alive.
  process.send?.(message, () => process.exit(0));
}

main().catch((err: unknown) => {
  send({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
});
