export * from "./expose-gc.ts";
export * from "./free-port.ts";
export * from "./recorded-speech.ts";
export * from "./speech-texts.ts";
export * from "./stack-context.ts";
export * from "./synthesize.ts";
export * from "./wait-for.ts";
export * from "./wer.ts";
