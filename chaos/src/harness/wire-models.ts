import { anthropic } from "@understudy/anthropic";
import type { ModelAdapter } from "@understudy/core";
import { google } from "@understudy/google";
import { openai } from "@understudy/openai";
import type { FaultServer, RequestLogEntry } from "@understudy/testing";
import fc from "fast-check";

/** A provider the fault server speaks (`google`: the Gemini API, through `@understudy/google`). */
export type WireProvider = "openai" | "anthropic" | "google";

/** Every provider the fault server speaks. */
export const wireProviders: readonly WireProvider[] = ["openai", "anthropic", "google"];

/** A model id of `provider` for the fault server, its family named (`gpt-…`, `claude-…`, `gemini-…`). */
export function wireModelId(provider: WireProvider, suffix: string): string {
  return `${provider === "openai" ? "gpt" : provider === "anthropic" ? "claude" : "gemini"}-${suffix}`;
}

/** An API key shaped like a real one: `sk-test-` and 24 random letters and digits. */
export const apiKeyArbitrary: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9]{24}$/).map((tail) => `sk-test-${tail}`);

/** Where the SDKs' own log lines go: a surface a key must never reach either. */
export function captureLogger(lines: unknown[]) {
  const record = (...args: unknown[]): void => {
    lines.push(args);
  };
  return { error: record, warn: record, info: record, debug: record };
}

/**
 * A real adapter (the official SDK underneath) pointed at the fault server.
 * `@google/genai` takes no logger (it logs nothing of a request): its
 * surfaces are the results, errors and events the suites scan anyway.
 */
export function wireModel(
  provider: WireProvider,
  modelId: string,
  server: FaultServer,
  apiKey: string,
  logLines: unknown[],
): ModelAdapter {
  const logger = captureLogger(logLines);
  if (provider === "google") return google(modelId, { apiKey, baseURL: server.geminiBaseURL });
  return provider === "openai"
    ? openai(modelId, { apiKey, baseURL: server.openaiBaseURL, logger })
    : anthropic(modelId, { apiKey, baseURL: server.anthropicBaseURL, logger, capabilities: { prefill: true } });
}

/**
 * The server's record of the call that answered: the model's last request
 * the client did not hang up on. (A call aborted before its request went out
 * — a hedge that lost — may still reach the server later, even after the
 * call that answered, and is hung up at once: not the answer.)
 */
export function answeringEntry(entries: readonly RequestLogEntry[]): RequestLogEntry | undefined {
  return entries.filter((entry) => !entry.clientHungUp).at(-1) ?? entries.at(-1);
}
