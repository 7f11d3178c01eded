import type { RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages";
import { type FailureSource, type StreamPart, toolCallFromText, unfinishedStream } from "@understudy/core";
import { classifyAnthropicError } from "./classify-anthropic-error.ts";
import { type AnthropicUsage, finishReasonOf, refusalError, usageOf } from "./from-anthropic-response.ts";

/**
 * Maps Messages stream events to neutral parts. Only `message_stop` completes
 * a stream: one that ends before it — cut, or ended silently by an abort — is
 * broken. A tool call is delivered whole at its `content_block_stop`.
 */
export async function* anthropicParts(
  events: AsyncIterable<RawMessageStreamEvent>,
  signal: AbortSignal,
  requestId: string | null | undefined,
  source: FailureSource,
): AsyncGenerator<StreamPart> {
  const toolBlocks = new Map<number, { id: string; name: string; args: string }>();
  let usage: AnthropicUsage = {};
  let stopReason: string | null | undefined;
  let responseId: string | undefined;
  let delivered = false;
  let stopped = false;
  try {
    for await (const event of events) {
      switch (event.type) {
        case "message_start":
          responseId = event.message.id;
          usage = { ...event.message.usage };
          break;
        case "content_block_start":
          if (event.content_block.type === "tool_use") {
            const block = { id: event.content_block.id, name: event.content_block.name, args: "" };
            toolBlocks.set(event.index, block);
            delivered = true;
            yield { type: "tool-call-delta", id: block.id, name: block.name, argsTextDelta: "" };
          }
          break;
        case "content_block_delta":
          delivered = true;
          if (event.delta.type === "text_delta") yield { type: "text-delta", text: event.delta.text };
          else if (event.delta.type === "thinking_delta") yield { type: "reasoning-delta", text: event.delta.thinking };
          else if (event.delta.type === "input_json_delta") {
            const block = toolBlocks.get(event.index);
            if (block) {
              block.args += event.delta.partial_json;
              yield { type: "tool-call-delta", id: block.id, name: block.name, argsTextDelta: event.delta.partial_json };
            }
          }
          break;
        case "content_block_stop": {
          const block = toolBlocks.get(event.index);
          if (block) yield { type: "tool-call", toolCall: toolCallFromText(block.id, block.name, block.args) };
          break;
        }
        case "message_delta":
          stopReason = event.delta.stop_reason;
          usage = { ...usage, ...withoutNulls(event.usage) };
          break;
        case "message_stop":
          stopped = true;
          break;
      }
    }
  } catch (error) {
    throw classifyAnthropicError(error, { ...source, midStream: delivered });
  }
  if (!stopped) {
    throw unfinishedStream(source, signal, "message_stop");
  }
  if (stopReason === "refusal") throw refusalError(source);
  yield {
    type: "finish",
    finishReason: finishReasonOf(stopReason),
    usage: usageOf(usage),
    ...(responseId ? { responseId } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

/** message_delta's usage repeats some counts as null; keep the ones it does state. */
function withoutNulls(usage: object): AnthropicUsage {
  return Object.fromEntries(Object.entries(usage).filter(([, value]) => value !== null && value !== undefined)) as AnthropicUsage;
}
