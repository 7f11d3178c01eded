import type { ChatResponse, ToolCall } from "../spec/chat-response.ts";
import { mergeProviderMetadata, type ProviderMetadata } from "../spec/provider-metadata.ts";
import type { FinishPart, StreamPart } from "../spec/stream-part.ts";

/** Builds the complete response of a stream from its parts. */
export class StreamCollector {
  private text = "";
  private otherOutputChars = 0;
  private readonly toolCalls: ToolCall[] = [];
  private metadata: ProviderMetadata | undefined;

  /** Takes a content part. */
  add(part: StreamPart): void {
    if (part.type === "text-delta") {
      this.text += part.text;
      this.metadata = mergeProviderMetadata(this.metadata, part.providerMetadata);
    } else if (part.type === "reasoning-delta") {
      this.otherOutputChars += part.text.length;
      this.metadata = mergeProviderMetadata(this.metadata, part.providerMetadata);
    } else if (part.type === "tool-call-delta") this.otherOutputChars += part.argsTextDelta.length;
    else if (part.type === "tool-call") this.toolCalls.push(part.toolCall);
  }

  /** Characters the model has written so far — text, reasoning, tool arguments — for a usage estimate if the stream dies. */
  get outputLength(): number {
    return this.text.length + this.otherOutputChars;
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
