import type { ChatResponse, ToolCall } from "../spec/chat-response.ts";
import { mergeProviderMetadata, type ProviderMetadata } from "../spec/provider-metadata.ts";
import type { FinishPart, StreamPart } from "../spec/stream-part.ts";

/** Builds the complete response of a stream from its parts. */
export class StreamCollector {
  private text = "";
  private readonly toolCalls: ToolCall[] = [];
  private metadata: ProviderMetadata | undefined;

  /** Takes a content part. */
  add(part: StreamPart): void {
    if (part.type === "text-delta") {
      this.text += part.text;
      this.metadata = mergeProviderMetadata(this.metadata, part.providerMetadata);
    } else if (part.type === "reasoning-delta") {
      this.metadata = mergeProviderMetadata(this.metadata, part.providerMetadata);
    } else if (part.type === "tool-call") this.toolCalls.push(part.toolCall);
  }

  /** Characters of answer text so far. */
  get textLength(): number {
    return this.text.length;
  }

  /** The complete response, once the terminal part arrived. */
  finish(part: FinishPart): ChatResponse {
    const providerMetadata = mergeProviderMetadata(this.metadata, part.providerMetadata);
    return {
      text: this.text,
      toolCalls: this.toolCalls,
      finishReason: part.finishReason,
      usage: part.usage,
      ...(part.responseId === undefined ? {} : { responseId: part.responseId }),
      ...(part.requestId === undefined ? {} : { requestId: part.requestId }),
      ...(part.responseModel === undefined ? {} : { responseModel: part.responseModel }),
      ...(providerMetadata === undefined ? {} : { providerMetadata }),
    };
  }
}
