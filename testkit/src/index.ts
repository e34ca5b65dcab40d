export * from "./stack-context.ts";
export * from "./wait-for.ts";
export * from "./synthesize.ts";
export * from "./speech-texts.ts";
export * from "./recorded-speech.ts";
