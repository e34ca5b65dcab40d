// The contract every ASR backend implements. Times are seconds relative to the
// start of the audio handed in; placing words on the media timeline is the
// caller's job (see shiftWords in ../sanitize.ts).

export interface AudioInput {
  /** Signed 16-bit little-endian mono PCM. */
  pcm: Buffer;
  sampleRate: number;
}

export interface EngineWord {
  text: string;
  start?: number;
  end?: number;
  /** 0..1 where the engine reports one. */
  confidence?: number;
}

export interface EngineResult {
  language: string;
  words: EngineWord[];
  text: string;
}

export interface TranscribeOptions {
  language: string;
  /**
   * Aborting rejects with the signal's reason, except that a TimeoutError reason
   * (AbortSignal.timeout) becomes a retriable EngineError of class "timeout".
   */
  signal?: AbortSignal;
}

export interface AsrEngine {
  readonly name: string;
  transcribe(audio: AudioInput, opts: TranscribeOptions): Promise<EngineResult>;
  /** Releases processes and sockets; the engine rejects work afterwards. */
  close(): Promise<void>;
}

export function audioDurationSeconds(audio: AudioInput): number {
  return audio.sampleRate > 0 ? Math.floor(audio.pcm.length / 2) / audio.sampleRate : 0;
}
