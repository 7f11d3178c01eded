import type { Attributes } from "@opentelemetry/api";
import type { AttemptRecord } from "@understudy/core";
import { chatOperation, genAiAttr, generalAttr, tokenType } from "../conventions/gen-ai.ts";
import { genAiProviderName } from "../conventions/provider-name.ts";
import { understudyAttr } from "../conventions/understudy-attributes.ts";
import { type ServerAddress, serverAttributes } from "../tracing/server-address.ts";
import { inputTokensOf } from "../tracing/usage-attributes.ts";
import type { Instruments } from "./instruments.ts";

/**
 * Records the GenAI client metrics of one call to a model, as the
 * conventions define them: its duration (with `error.type` when it failed;
 * a call the caller cancelled is no error of the model's, and says
 * `understudy.attempt.outcome=cancelled` instead), its tokens when the
 * provider reported them (an estimate for a stream that died is not a count,
 * and the conventions forbid reporting one), and for a stream its time to
 * first chunk.
 */
export function recordAttemptMetrics(instruments: Instruments, record: AttemptRecord, server: ServerAddress | undefined): void {
  const base: Attributes = {
    [genAiAttr.operationName]: chatOperation,
    [genAiAttr.providerName]: genAiProviderName(record.provider),
    [genAiAttr.requestModel]: record.modelId,
    ...(record.responseModel === undefined ? {} : { [genAiAttr.responseModel]: record.responseModel }),
    ...serverAttributes(server),
  };
  instruments.operationDuration.record(record.durationMs / 1000, { ...base, ...outcomeAttributes(record) });
  if (record.firstContentMs !== undefined) instruments.timeToFirstChunk.record(record.firstContentMs / 1000, base);
  const usage = record.usage;
  if (!usage || usage.estimated) return;
  instruments.tokenUsage.record(inputTokensOf(usage), { ...base, [genAiAttr.tokenType]: tokenType.input });
  instruments.tokenUsage.record(usage.outputTokens, { ...base, [genAiAttr.tokenType]: tokenType.output });
}

/** `error.type` for a failed call; `understudy.attempt.outcome=cancelled` for a cancelled one; nothing for an answer. */
function outcomeAttributes(record: AttemptRecord): Attributes {
  if (record.outcome === "failure") return { [generalAttr.errorType]: record.kind ?? "_OTHER" };
  if (record.outcome === "cancelled") return { [understudyAttr.attemptOutcome]: "cancelled" };
  return {};
}
