import {
  type AttemptRecord,
  type ChatRequest,
  type Fallback,
  isFallbackExhaustedError,
  isModelError,
  isStreamInterruptedError,
  type ModelError,
} from "@understudy/core";
import type { CallMeasure } from "./eval-run.ts";
import { isRefusal } from "./refusal.ts";

/** What {@link measureCall} needs. */
export interface CallTarget {
  readonly chain: Fallback;
  readonly model: string;
  readonly request: ChatRequest;
  readonly tags: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

/**
 * Streams `request` to one model of the chain alone (no fallback: its own
 * retries only), measuring the time to the first content part and to the
 * end. A refusal by the provider's filter is an answer (empty, refused) — a
 * stream the filter cut after some text came included; any other failure,
 * a stream cut after content came included, is an `error`, with what its
 * attempts used and cost. Resolves undefined when `signal` aborted it; never
 * rejects.
 */
export async function measureCall({ chain, model, request, tags, signal }: CallTarget): Promise<CallMeasure | undefined> {
  const started = performance.now();
  let firstTokenMs: number | undefined;
  try {
    const stream = chain.stream(request, { models: [model], tags, signal });
    for await (const part of stream) {
      if (firstTokenMs === undefined && isContent(part.type)) firstTokenMs = performance.now() - started;
    }
    const result = await stream.result;
    const answer = {
      text: result.text,
      toolCalls: result.toolCalls.map(({ name, args, argsText }) => ({ name, args, argsText })),
      finishReason: result.finishReason,
      refused: isRefusal(result.text, result.finishReason),
    };
    return {
      status: "answered",
      answer,
      latencyMs: performance.now() - started,
      ...(firstTokenMs === undefined ? {} : { firstTokenMs }),
      ...spendOf(result.attempts),
      costComplete: result.cost.complete,
    };
  } catch (error) {
    if (signal.aborted) return undefined;
    const attempts = isFallbackExhaustedError(error) || isStreamInterruptedError(error) ? error.attempts : [];
    const measure = {
      latencyMs: performance.now() - started,
      ...(firstTokenMs === undefined ? {} : { firstTokenMs }),
      ...spendOf(attempts),
      costComplete: attempts.every(
        (attempt) => attempt.attempt === 0 || attempt.usage === undefined || attempt.cost !== undefined,
      ),
    };
    if (filtered(error)) {
      return {
        status: "answered",
        answer: { text: "", toolCalls: [], finishReason: "content-filter", refused: true },
        ...measure,
      };
    }
    return { status: "error", error: error instanceof Error ? error.message : String(error), ...measure };
  }
}

function isContent(type: string): boolean {
  return type === "text-delta" || type === "tool-call-delta" || type === "tool-call";
}

/** A refusal by the provider's content filter, surfaced as an error (before content came, or cutting it). */
function filtered(error: unknown): boolean {
  if (isStreamInterruptedError(error)) return error.kind === "content_filter";
  const kinds: readonly ModelError[] = isFallbackExhaustedError(error) ? error.errors : isModelError(error) ? [error] : [];
  return kinds.some((failure) => failure.kind === "content_filter");
}

function spendOf(attempts: readonly AttemptRecord[]) {
  let inputTokens = 0;
  let outputTokens = 0;
  let cost = 0;
  let calls = 0;
  for (const attempt of attempts) {
    if (attempt.attempt > 0) calls++;
    if (attempt.usage) {
      inputTokens += attempt.usage.inputTokens + attempt.usage.cachedInputTokens + attempt.usage.cacheWriteTokens;
      outputTokens += attempt.usage.outputTokens;
    }
    cost += attempt.cost ?? 0;
  }
  return { attempts: calls, inputTokens, outputTokens, cost };
}
