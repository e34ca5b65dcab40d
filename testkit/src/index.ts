export * from "./stack-context.ts";
export * from "./wait-for.ts";
