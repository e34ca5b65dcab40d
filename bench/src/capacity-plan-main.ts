// Regenerates the tables of docs/capacity.md from bench/results, or with
// --print and your own assumptions prints them instead:
//   node --conditions=@lingostream/source bench/src/capacity-plan-main.ts
//   node --conditions=@lingostream/source bench/src/capacity-plan-main.ts --print --hours 20000 --days 10 --server-rate 30 --request-rtf 0.2

import { parseArgs } from "node:util";
import { type CapacityAssumptions, DEFAULT_ASSUMPTIONS } from "./capacity-plan.ts";
import { CAPACITY_DOC, renderCapacityTables, writeCapacityDoc } from "./capacity-plan-files.ts";

function usageError(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const OPTIONS = {
    print: { type: "boolean", default: false },
    hours: { type: "string" },
    days: { type: "string" },
    "cores-per-replica": { type: "string" },
    "server-rate": { type: "string" },
    "request-rtf": { type: "string" },
    slots: { type: "string" },
} as const;

let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>;
try {
  parsed = parseArgs({ options: OPTIONS });
} catch (err) {
  usageError((err as Error).message);
}
const { values } = parsed;

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0)) usageError(`--${name} must be a positive number, got ${JSON.stringify(text)}`);
  return n;
}

const d = DEFAULT_ASSUMPTIONS;
const assumptions: CapacityAssumptions = {
  ...d,
  backlogHours: positive("hours", values.hours, d.backlogHours),
  wallDays: values.days === undefined ? d.wallDays : values.days.split(",").map((day) => positive("days", day, 1)),
  asrCoresPerReplica: positive("cores-per-replica", values["cores-per-replica"], d.asrCoresPerReplica),
  whisperServer: {
    audioSecondsPerSecond: positive("server-rate", values["server-rate"], d.whisperServer.audioSecondsPerSecond),
    requestRealTimeFactor: positive("request-rtf", values["request-rtf"], d.whisperServer.requestRealTimeFactor),
    slotsPerReplica: positive("slots", values.slots, d.whisperServer.slotsPerReplica),
  },
};
const custom = JSON.stringify(assumptions) !== JSON.stringify(DEFAULT_ASSUMPTIONS);
if (custom && !values.print) usageError("docs/capacity.md holds the default assumptions; add --print to see the plan for your own");

try {
  if (values.print) process.stdout.write(`${await renderCapacityTables(assumptions)}\n`);
  else {
    await writeCapacityDoc();
    process.stderr.write(`${CAPACITY_DOC} regenerated\n`);
  }
} catch (err) {
  // A benchmark row the plan reads is gone or renamed, or the doc lost its markers: the message says which.
  process.stderr.write(`capacity plan: ${(err as Error).message}\n`);
  process.exit(1);
}
