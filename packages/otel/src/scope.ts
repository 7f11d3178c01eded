/** The instrumentation scope of every tracer and meter this package makes (a test keeps `version` in step with package.json). */
export const instrumentationScope = { name: "@understudy/otel", version: "0.1.0" } as const;
