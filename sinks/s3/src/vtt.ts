// WebVTT (.vtt) rendering: a "WEBVTT" header, "00:01:02.345 --> 00:01:04.000" timings, escaped text.

import type { Cue } from "./cues.ts";
import { formatTimestamp } from "./subtitle-time.ts";

export const VTT_HEADER = "WEBVTT\n\n";

export function formatVttTimestamp(seconds: number): string {
  return formatTimestamp(seconds, ".");
}

/** Cue text is markup in WebVTT: "&", "<" and ">" must be escaped (which also rules out "-->"). */
export function vttText(line: string): string {
  return line.replace(/\s+/g, " ").trim().replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

export function vttCue(cue: Cue): string {
  const text = cue.lines.map(vttText).filter((l) => l !== "");
  return `${formatVttTimestamp(cue.start)} --> ${formatVttTimestamp(cue.end)}\n${text.join("\n")}\n\n`;
}

export function renderVtt(cues: Iterable<Cue>): string {
  let out = VTT_HEADER;
  for (const cue of cues) out += vttCue(cue);
  return out;
}
