import { anthropic } from "@understudy/anthropic";
import type { ModelAdapter } from "@understudy/core";
import { openai } from "@understudy/openai";
import type { FaultServer } from "@understudy/testing";
import fc from "fast-check";

/** A provider the fault server speaks. */
export type WireProvider = "openai" | "anthropic";

/** An API key shaped like a real one: `sk-test-` and 24 random letters and digits. */
export const apiKeyArbitrary: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9]{24}$/).map((tail) => `sk-test-${tail}`);

/** Where the SDKs' own log lines go: a surface a key must never reach either. */
export function captureLogger(lines: unknown[]) {
  const record = (...args: unknown[]): void => {
    lines.push(args);
  };
  return { error: record, warn: record, info: record, debug: record };
}

/** A real adapter (the official SDK underneath) pointed at the fault server. */
export function wireModel(
  provider: WireProvider,
  modelId: string,
  server: FaultServer,
  apiKey: string,
  logLines: unknown[],
): ModelAdapter {
  const logger = captureLogger(logLines);
  return provider === "openai"
    ? openai(modelId, { apiKey, baseURL: server.openaiBaseURL, logger })
    : anthropic(modelId, { apiKey, baseURL: server.anthropicBaseURL, logger, capabilities: { prefill: true } });
}
