// The ASR processors' consumer group on asr.segments. The ASR processor consumes
// in it and the segmenter reads its lag there to bound how far it runs ahead:
// both read the one setting, so they cannot disagree on the name.

import { type Field, str } from "./config.ts";

const ASR_GROUP_ENV = "LINGOSTREAM_ASR_GROUP";
const DEFAULT_ASR_GROUP = "lingostream-asr";

/** The setting as a config field; `doc` says what the reading service does with it. */
export function asrGroupField(doc: string): Field<string> {
  return str({ env: ASR_GROUP_ENV, doc, default: DEFAULT_ASR_GROUP });
}
