// Public API of @lingostream/errors, the bottom layer every other workspace may
// import: the one error type and the one retry helper. It imports no workspace.

export * from "./errors.ts";
export * from "./retry.ts";
