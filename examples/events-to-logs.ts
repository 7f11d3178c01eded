// Events to structured logs: one JSON line per retry, fallback, skip, breaker change and outcome, ready for any log pipeline.
import { createFallback } from "@understudy/core";
import { openai } from "@understudy/openai";
import { FaultServer, faults } from "@understudy/testing";

const server = await FaultServer.start();
// The primary is rate-limited (Retry-After 0.1 s) once, then overloaded for good.
server.script("gpt-4.1", [faults.rateLimit({ retryAfterSeconds: 0.1 })], faults.overloaded());

try {
  const chat = createFallback({
    models: [
      {
        model: openai("gpt-4.1", { baseURL: server.openaiBaseURL, apiKey: "not-a-real-key" }),
        retry: { maxAttempts: 2, initialDelayMs: 10 },
        breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 },
      },
      { model: openai("gpt-4.1-mini", { baseURL: server.openaiBaseURL, apiKey: "not-a-real-key" }) },
    ],
  });

  // #region logs
  // Stand-in for your logger (pino, winston, OpenTelemetry logs): one JSON object per line.
  const log = (fields: Record<string, unknown>) => console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }));

  chat.on("retry", (e) => log({ event: "llm.retry", ...e }));
  chat.on("fallback", (e) => log({ event: "llm.fallback", level: e.reason === "auth" ? "error" : "warn", ...e }));
  chat.on("skip", (e) => log({ event: "llm.skip", ...e }));
  chat.on("breakerOpen", (e) => log({ event: "llm.breaker_open", level: "warn", ...e }));
  chat.on("breakerClose", (e) => log({ event: "llm.breaker_close", ...e }));
  chat.on("success", ({ requestId, result }) =>
    log({ event: "llm.success", requestId, model: result.model, ms: result.durationMs, tokens: result.totalUsage.outputTokens }),
  );
  chat.on("failure", ({ requestId, error, attempts }) =>
    log({ event: "llm.failure", level: "error", requestId, error: error.name, message: error.message, calls: attempts.length }),
  );
  // A listener that throws never breaks a request; it is reported here instead.
  chat.on("listenerError", ({ event, error }) =>
    log({ event: "llm.listener_error", level: "error", of: event, error: String(error) }),
  );
  // #endregion logs

  for (let i = 0; i < 3; i++) await chat.generate({ messages: [{ role: "user", content: `Question ${i + 1}` }], maxTokens: 50 });
} finally {
  await server.close();
}
