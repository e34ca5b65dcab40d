// SubRip (.srt) rendering: numbered cues, "00:01:02,345 --> 00:01:04,000" timings.

import type { Cue } from "./cues.ts";
import { formatTimestamp } from "./subtitle-time.ts";

export function formatSrtTimestamp(seconds: number): string {
  return formatTimestamp(seconds, ",");
}

/**
 * SRT has no escaping; a blank line would end the cue early and "-->" in text
 * confuses parsers that search for the timing arrow, so both are neutralized.
 */
export function srtText(line: string): string {
  return line.replace(/\s+/g, " ").trim().replaceAll("-->", "->");
}

/** One cue block; `number` is 1-based and must increase through the file. */
export function srtCue(number: number, cue: Cue): string {
  const text = cue.lines.map(srtText).filter((l) => l !== "");
  return `${number}\n${formatSrtTimestamp(cue.start)} --> ${formatSrtTimestamp(cue.end)}\n${text.join("\n")}\n\n`;
}

export function renderSrt(cues: Iterable<Cue>): string {
  let out = "";
  let n = 0;
  for (const cue of cues) out += srtCue(++n, cue);
  return out;
}
