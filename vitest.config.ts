import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript source (the `@understudy/source`
// export condition), so tests never run against a stale build.
const conditions = ["@understudy/source", "node", "import", "module", "default"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "examples/**/*.test.ts"],
    setupFiles: ["@understudy/testing/leak-guard-setup"],
    pool: "forks",
    testTimeout: 15_000,
  },
});
