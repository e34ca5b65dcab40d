// The README's configuration table, generated from the config specs so the
// docs cannot drift from the code (a test compares them).

import { asrSpec } from "@lingostream/asr";
import { pressureMonitorSpec } from "@lingostream/pressure-monitor";
import { type ConfigSpec, configTable, connectionSpec, memorySpec, topicPartitionsSpec } from "@lingostream/runtime";
import { segmenterSpec } from "@lingostream/segmenter";
import { sinkSpec } from "@lingostream/sink-s3";

export const CONFIG_SECTIONS: [string, ConfigSpec][] = [
  ["Connections (every service)", connectionSpec],
  ["Topics (lingostream topics apply)", topicPartitionsSpec],
  ["Segmenter", segmenterSpec],
  ["ASR processor", asrSpec],
  ["S3 sink", sinkSpec],
  ["Memory pressure (every worker)", memorySpec],
  ["Pressure monitor", Object.fromEntries(Object.entries(pressureMonitorSpec).filter(([key]) => !(key in memorySpec)))],
];

export const TABLE_START = "<!-- config-table:start -->";
export const TABLE_END = "<!-- config-table:end -->";

export function renderConfigDocs(): string {
  return CONFIG_SECTIONS.map(([title, spec]) => `### ${title}\n\n${configTable(spec)}`).join("\n\n");
}

/** Replaces the generated block in a README text. */
export function withConfigDocs(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README lacks the ${TABLE_START} … ${TABLE_END} markers`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${renderConfigDocs()}\n${readme.slice(end)}`;
}
