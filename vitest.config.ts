import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript source (the `@understudy/source`
// export condition), so tests never run against a stale build.
// No `module` condition: Node loads external packages itself and knows none, and a package whose
// `module` build is bundler-only ESM (@opentelemetry/api 1.9, extensionless imports) fails under it.
const conditions = ["@understudy/source", "node", "default"];

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
