import { type Attributes, type Context, type Span, SpanKind, type Tracer } from "@opentelemetry/api";
import type { AttemptRecord, AttemptStartEvent } from "@understudy/core";
import { chatOperation, genAiAttr, generalAttr } from "../conventions/gen-ai.ts";
import { genAiProviderName } from "../conventions/provider-name.ts";
import { understudyAttr } from "../conventions/understudy-attributes.ts";
import { genAiFinishReason } from "./request-attributes.ts";
import { usageAttributes } from "./usage-attributes.ts";

/** The conventions' name of a model call: `{gen_ai.operation.name} {gen_ai.request.model}`, e.g. `chat gpt-4.1-mini`. */
export function attemptSpanName(modelId: string): string {
  return `${chatOperation} ${modelId}`;
}

/**
 * Starts the CLIENT span of one call to a model, a child of the chain span,
 * with the attributes the conventions want at creation (samplers read them).
 */
export function startAttemptSpan(tracer: Tracer, start: AttemptStartEvent, parent: Context, stream: boolean): Span {
  return tracer.startSpan(
    attemptSpanName(start.modelId),
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [genAiAttr.operationName]: chatOperation,
        [genAiAttr.providerName]: genAiProviderName(start.provider),
        [genAiAttr.requestModel]: start.modelId,
        // Set only on streams: the conventions read an absent value as "not streaming".
        ...(stream ? { [genAiAttr.requestStream]: true } : {}),
      },
    },
    parent,
  );
}

/**
 * understudy's facts about the call: which chain entry, which try, whether
 * it was a breaker's probe, and (only then) that it was started as a hedge
 * beside a slower call of the same request.
 */
export function attemptIdentity(start: AttemptStartEvent): Attributes {
  return {
    [understudyAttr.requestId]: start.requestId,
    [understudyAttr.model]: start.model,
    [understudyAttr.provider]: start.provider,
    [understudyAttr.attempt]: start.attempt,
    [understudyAttr.probe]: start.probe,
    ...(start.hedge === true ? { [understudyAttr.hedge]: true } : {}),
  };
}

/**
 * What the call's record says once it ended: the response on success, the
 * failure kind otherwise, and for a call that lost a hedge (cancelled, kind
 * `aborted`) the model that won it.
 */
export function attemptEndAttributes(record: AttemptRecord): Attributes {
  const attributes: Attributes = {
    [understudyAttr.attemptOutcome]: record.outcome,
    [understudyAttr.waitedMs]: record.waitedMs,
    ...(record.usage ? usageAttributes(record.usage) : {}),
  };
  if (record.firstContentMs !== undefined) attributes[genAiAttr.responseTimeToFirstChunk] = record.firstContentMs / 1000;
  if (record.outcome === "success") {
    if (record.responseModel !== undefined) attributes[genAiAttr.responseModel] = record.responseModel;
    if (record.responseId !== undefined) attributes[genAiAttr.responseId] = record.responseId;
    if (record.finishReason !== undefined) attributes[genAiAttr.responseFinishReasons] = [genAiFinishReason(record.finishReason)];
    return attributes;
  }
  attributes[generalAttr.errorType] = record.kind ?? "_OTHER";
  if (record.lostHedgeTo !== undefined) attributes[understudyAttr.hedgeLostTo] = record.lostHedgeTo;
  // Not `http.response.status_code`: this span is the model call, not an HTTP request (that is the HTTP client's span, below it).
  if (record.status !== undefined) attributes[understudyAttr.httpStatus] = record.status;
  return attributes;
}
