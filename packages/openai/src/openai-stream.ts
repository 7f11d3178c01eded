import { type FailureSource, type StreamPart, toolCallFromText, unfinishedStream } from "@understudy/core";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { classifyOpenAIError } from "./classify-openai-error.ts";
import { contentFilterError, finishReasonOf, usageOf } from "./from-openai-response.ts";

interface PendingCall {
  id: string;
  name: string;
  args: string;
}

/**
 * Maps Chat Completions chunks to neutral parts. The stream is complete once
 * a `finish_reason` arrived (the usage chunk follows it; `[DONE]` may be
 * missing); a stream that ends before — cut, or ended silently by an abort —
 * is broken. Tool calls are delivered whole at the end, their deltas as they come.
 */
export async function* openaiParts(
  chunks: AsyncIterable<ChatCompletionChunk>,
  signal: AbortSignal,
  requestId: string | null | undefined,
  source: FailureSource,
): AsyncGenerator<StreamPart> {
  const calls = new Map<number, PendingCall>();
  let finish: string | undefined;
  let refusal = "";
  let usage: ChatCompletionChunk["usage"];
  let responseId: string | undefined;
  let delivered = false;
  try {
    for await (const chunk of chunks) {
      responseId ??= chunk.id;
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      if (choice.delta?.refusal) refusal += choice.delta.refusal;
      if (choice.delta?.content) {
        delivered = true;
        yield { type: "text-delta", text: choice.delta.content };
      }
      for (const delta of choice.delta?.tool_calls ?? []) {
        const call = calls.get(delta.index) ?? { id: "", name: "", args: "" };
        calls.set(delta.index, call);
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.name = delta.function.name;
        const piece = delta.function?.arguments ?? "";
        call.args += piece;
        delivered = true;
        yield { type: "tool-call-delta", id: call.id, name: call.name, argsTextDelta: piece };
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  } catch (error) {
    throw classifyOpenAIError(error, { ...source, midStream: delivered });
  }
  if (finish === undefined) {
    throw unfinishedStream(source, signal, "a finish_reason");
  }
  if (finish === "content_filter" || refusal) throw contentFilterError(source, refusal);
  for (const call of calls.values()) yield { type: "tool-call", toolCall: toolCallFromText(call.id, call.name, call.args) };
  yield {
    type: "finish",
    finishReason: finishReasonOf(finish),
    usage: usageOf(usage),
    ...(responseId ? { responseId } : {}),
    ...(requestId ? { requestId } : {}),
  };
}
