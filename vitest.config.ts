import { defineConfig } from "vitest/config";

// Two projects: unit tests sit beside the code and touch no I/O; integration
// tests need a real stack (found or started by their global setup) and run one file at a time
// because they share one broker, registry and S3 server.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["**/src/**/*.test.ts"],
          exclude: ["**/node_modules/**"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["**/test/integration/**/*.int.test.ts"],
          exclude: ["**/node_modules/**"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          // Brings up (or finds) the stack and exports its addresses: see testkit/src/stack-choice.ts.
          globalSetup: ["testkit/src/integration-stack.ts"],
        },
      },
    ],
  },
});
