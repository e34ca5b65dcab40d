// Limits on how much audio one job may expand to, checked against the probe
// before any audio is decoded or written, and again while decoding (a probe
// can understate: estimated durations, streams without one). A small file
// can decode to hours (digital silence compresses to almost nothing), so the
// input's size says nothing about the work it brings.

import type { TenantTable } from "@lingostream/runtime";
import type { MediaInfo } from "./probe.ts";
import { SegmenterError } from "./segmenter-error.ts";

export interface MediaLimits {
  /** Longest media per job, seconds. */
  maxMediaSeconds: number;
  /** Most PCM per job at the media's own rate and channels, 16-bit, bytes. */
  maxDecodedBytes: number;
}

/** The job limits for a tenant: its entry in the tenant table, else the service's defaults. */
export function tenantMediaLimits(defaults: MediaLimits, tenants: TenantTable, tenant: string): MediaLimits {
  const own = tenants.get(tenant);
  return { maxMediaSeconds: own.maxMediaSeconds ?? defaults.maxMediaSeconds, maxDecodedBytes: own.maxDecodedBytes ?? defaults.maxDecodedBytes };
}

/** PCM the probed audio stands for at its own rate and channels, 16-bit; null when the probe cannot say. */
export function probedDecodedBytes(info: MediaInfo): number | null {
  const seconds = info.audioDurationSeconds ?? info.durationSeconds;
  if (seconds === null || info.sampleRate === null || info.channels === null) return null;
  return Math.ceil(seconds * info.sampleRate * info.channels * 2);
}

/** Refuses media the probe shows to be over a limit; what the probe does not state is left to the decode check. */
export function checkProbedMedia(info: MediaInfo, limits: MediaLimits, label: string): void {
  const seconds = info.audioDurationSeconds ?? info.durationSeconds;
  if (seconds !== null) checkSeconds(seconds, limits, label, "lasts");
  const decoded = probedDecodedBytes(info);
  if (decoded !== null && decoded > limits.maxDecodedBytes) {
    throw new SegmenterError(
      "media-over-limit",
      `${label} decodes to ${formatBytes(decoded)} (${info.sampleRate} Hz, ${info.channels} channels), over the limit of ${formatBytes(limits.maxDecodedBytes)} per job`,
      { input: label },
    );
  }
}

/** Called as audio is decoded: media whose probe understated its length is stopped at the limit. */
export function checkDecodedSeconds(seconds: number, limits: MediaLimits, label: string): void {
  checkSeconds(seconds, limits, label, "has decoded to more than");
}

function checkSeconds(seconds: number, limits: MediaLimits, label: string, verb: string): void {
  if (seconds > limits.maxMediaSeconds) {
    throw new SegmenterError(
      "media-over-limit",
      `${label} ${verb} ${formatSeconds(seconds)}, over the limit of ${formatSeconds(limits.maxMediaSeconds)} per job`,
      { input: label },
    );
  }
}

function formatSeconds(seconds: number): string {
  return seconds >= 3600 ? `${(seconds / 3600).toFixed(2)} h` : `${seconds.toFixed(1)} s`;
}

function formatBytes(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
