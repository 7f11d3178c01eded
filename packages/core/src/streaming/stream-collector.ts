import type { ChatResponse, ToolCall } from "../spec/chat-response.ts";
import type { FinishPart, StreamPart } from "../spec/stream-part.ts";

/** Builds the complete response of a stream from its parts. */
export class StreamCollector {
  private text = "";
  private readonly toolCalls: ToolCall[] = [];

  /** Takes a content part. */
  add(part: StreamPart): void {
    if (part.type === "text-delta") this.text += part.text;
    else if (part.type === "tool-call") this.toolCalls.push(part.toolCall);
  }

  /** Characters of answer text so far. */
  get textLength(): number {
    return this.text.length;
  }

  /** The complete response, once the terminal part arrived. */
  finish(part: FinishPart): ChatResponse {
    return {
      text: this.text,
      toolCalls: this.toolCalls,
      finishReason: part.finishReason,
      usage: part.usage,
      ...(part.responseId === undefined ? {} : { responseId: part.responseId }),
      ...(part.requestId === undefined ? {} : { requestId: part.requestId }),
      ...(part.responseModel === undefined ? {} : { responseModel: part.responseModel }),
    };
  }
}
