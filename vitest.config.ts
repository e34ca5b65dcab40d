import { defineConfig } from "vitest/config";

// Workspaces resolve to their TypeScript sources in the checkout (the
// @lingostream/source export condition); without it they resolve to the dist/
// an installed package carries. Tests import through Vite's resolver, and the
// node processes they start inherit NODE_OPTIONS.
const SOURCE_CONDITION = "@lingostream/source";
const conditionFlag = `--conditions=${SOURCE_CONDITION}`;
if (!(process.env.NODE_OPTIONS ?? "").includes(conditionFlag)) {
  process.env.NODE_OPTIONS = `${conditionFlag} ${process.env.NODE_OPTIONS ?? ""}`.trim();
}
// Setting conditions replaces Vite's defaults for the server side, so they are listed too.
const resolve = { conditions: [SOURCE_CONDITION, "node", "development|production"] };

// Two projects: unit tests sit beside the code and touch no I/O; integration
// tests need a real stack (found or started by their global setup) and run one file at a time
// because they share one broker, registry and S3 server.
export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        ssr: { resolve },
        test: {
          name: "unit",
          include: ["**/src/**/*.test.ts"],
          exclude: ["**/node_modules/**"],
        },
      },
      {
        resolve,
        ssr: { resolve },
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
