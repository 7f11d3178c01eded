import type { Attributes } from "@opentelemetry/api";
import type { AttemptRecord } from "@understudy/core";
import { chatOperation, genAiAttr, generalAttr, tokenType } from "../conventions/gen-ai.ts";
import { genAiProviderName } from "../conventions/provider-name.ts";
import { type ServerAddress, serverAttributes } from "../tracing/server-address.ts";
import { inputTokensOf } from "../tracing/usage-attributes.ts";
import type { Instruments } from "./instruments.ts";

/**
 * Records the GenAI client metrics of one call to a model, as the
 * conventions define them: its duration (with `error.type` when it failed or
 * was cancelled), its tokens when the provider reported them (an estimate
 * for a stream that died is not a count, and the conventions forbid
 * reporting one), and for a stream its time to first chunk.
 */
export function recordAttemptMetrics(instruments: Instruments, record: AttemptRecord, server: ServerAddress | undefined): void {
  const base: Attributes = {
    [genAiAttr.operationName]: chatOperation,
    [genAiAttr.providerName]: genAiProviderName(record.provider),
    [genAiAttr.requestModel]: record.modelId,
    ...(record.responseModel === undefined ? {} : { [genAiAttr.responseModel]: record.responseModel }),
    ...serverAttributes(server),
  };
  const failed = record.outcome !== "success";
  const durationAttributes = failed ? { ...base, [generalAttr.errorType]: record.kind ?? "_OTHER" } : base;
  instruments.operationDuration.record(record.durationMs / 1000, durationAttributes);
  if (record.firstContentMs !== undefined) instruments.timeToFirstChunk.record(record.firstContentMs / 1000, base);
  const usage = record.usage;
  if (!usage || usage.estimated) return;
  instruments.tokenUsage.record(inputTokensOf(usage), { ...base, [genAiAttr.tokenType]: tokenType.input });
  instruments.tokenUsage.record(usage.outputTokens, { ...base, [genAiAttr.tokenType]: tokenType.output });
}
