import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript source (the `@understudy/source`
// export condition), so tests never run against a stale build.
const conditions = ["@understudy/source", "node", "import", "module", "default"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "examples/**/*.test.ts", "bench/src/**/*.test.ts", "chaos/src/**/*.test.ts"],
    // A path, not the package name: setupFiles resolve without the source condition, and would load a stale build.
    setupFiles: ["./packages/testing/src/vitest/leak-guard-setup.ts"],
    pool: "forks",
    testTimeout: 15_000,
  },
});
