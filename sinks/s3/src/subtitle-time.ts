// Subtitle timestamps: SRT and WebVTT differ only in the millisecond separator.

/** HH:MM:SS<sep>mmm, hours at least two digits; negative or non-finite times clamp to zero. */
export function formatTimestamp(seconds: number, separator: "," | "."): string {
  const totalMs = Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : 0;
  const ms = totalMs % 1000;
  const totalSeconds = (totalMs - ms) / 1000;
  const s = totalSeconds % 60;
  const m = Math.floor(totalSeconds / 60) % 60;
  const h = Math.floor(totalSeconds / 3600);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(h)}:${two(m)}:${two(s)}${separator}${String(ms).padStart(3, "0")}`;
}
