import type { LanguageModelV3StreamPart, SharedV3Warning } from "@ai-sdk/provider";
import type { FallbackResult, FallbackStreamPart } from "@understudy/core";
import {
  metadataField,
  responseMetadataOf,
  resultMetadataOf,
  specFinishReasonOf,
  specUsageOf,
  toolCallContent,
} from "./to-v3-answer.ts";

/** What the spec's stream is made from: the chain's stream, already read up to its first part. */
export interface OpenedStream {
  /** The chain's parts after the first. */
  readonly parts: AsyncIterator<FallbackStreamPart>;
  /** The first part: content, so the answering model is known to have started. */
  readonly first: FallbackStreamPart;
  /** The chain's result, settled once `finish` has come. */
  readonly result: Promise<FallbackResult>;
  /** The translation's warnings, for `stream-start`. */
  readonly warnings: SharedV3Warning[];
  /** Makes the AI SDK's error of a failure after the first part. */
  readonly errorOf: (error: unknown) => unknown;
}

/**
 * The chain's stream as the spec's: `stream-start` once, when the first
 * content is in hand (so a fallback before content is never seen, and never
 * makes a second `stream-start`); text and reasoning as blocks with ids;
 * tool arguments as `tool-input-*`; then `response-metadata` naming the
 * model that answered and `finish` with `providerMetadata.understudy`.
 * A failure after content is an `error` part, and the stream ends without a
 * `finish`: what was shown is not an answer. Reading is pulled, so a slow
 * consumer slows the model's stream, and cancelling stops the chain's call.
 */
export function toV3Stream(opened: OpenedStream): ReadableStream<LanguageModelV3StreamPart> {
  const blocks = new OpenBlocks();
  let pending: FallbackStreamPart | undefined = opened.first;
  return new ReadableStream<LanguageModelV3StreamPart>({
    start(controller) {
      controller.enqueue({ type: "stream-start", warnings: opened.warnings });
    },
    async pull(controller) {
      try {
        const part = pending ?? (await nextPart(opened.parts));
        pending = undefined;
        if (part === undefined) return controller.close();
        if (part.type === "finish") {
          for (const out of await finishParts(blocks, await opened.result)) controller.enqueue(out);
          return controller.close();
        }
        for (const out of blocks.translate(part)) controller.enqueue(out);
      } catch (error) {
        controller.enqueue({ type: "error", error: opened.errorOf(error) });
        controller.close();
      }
    },
    async cancel() {
      await opened.parts.return?.();
    },
  });
}

async function nextPart(parts: AsyncIterator<FallbackStreamPart>): Promise<FallbackStreamPart | undefined> {
  const next = await parts.next();
  return next.done ? undefined : next.value;
}

async function finishParts(blocks: OpenBlocks, result: FallbackResult): Promise<LanguageModelV3StreamPart[]> {
  return [
    ...blocks.closeAll(),
    { type: "response-metadata", ...responseMetadataOf(result, new Date()) },
    {
      type: "finish",
      finishReason: specFinishReasonOf(result.finishReason),
      usage: specUsageOf(result.usage),
      providerMetadata: resultMetadataOf(result),
    },
  ];
}

/**
 * The text and reasoning blocks and tool inputs open in the spec's stream.
 * A switch between text and reasoning closes the other block, so `ai`
 * keeps them in the order the model wrote them.
 */
class OpenBlocks {
  private text: string | undefined;
  private reasoning: string | undefined;
  private readonly toolInputs = new Set<string>();
  private count = 0;

  translate(part: FallbackStreamPart): LanguageModelV3StreamPart[] {
    switch (part.type) {
      case "text-delta": {
        const opening = this.openText();
        return [
          ...opening,
          { type: "text-delta", id: this.text as string, delta: part.text, ...metadataField(part.providerMetadata) },
        ];
      }
      case "reasoning-delta": {
        const opening = this.openReasoning();
        const delta = { type: "reasoning-delta", id: this.reasoning as string, delta: part.text } as const;
        return [...opening, { ...delta, ...metadataField(part.providerMetadata) }];
      }
      case "tool-call-delta": {
        const opening: LanguageModelV3StreamPart[] = this.toolInputs.has(part.id)
          ? []
          : [...this.closeBlocks(), { type: "tool-input-start", id: part.id, toolName: part.name }];
        this.toolInputs.add(part.id);
        return [...opening, { type: "tool-input-delta", id: part.id, delta: part.argsTextDelta }];
      }
      case "tool-call": {
        const { id } = part.toolCall;
        const ending: LanguageModelV3StreamPart[] = this.toolInputs.delete(id) ? [{ type: "tool-input-end", id }] : [];
        return [...this.closeBlocks(), ...ending, toolCallContent(part.toolCall)];
      }
      case "reset":
        // Restarts are off through the bridge (`midStream: "error"`): `ai` cannot unsay text it has collected.
        throw new Error(`understudy: a reset reached the AI SDK bridge (model ${part.model}, ${part.reason})`);
      case "finish":
        return [];
    }
  }

  closeAll(): LanguageModelV3StreamPart[] {
    const inputs = [...this.toolInputs].map((id): LanguageModelV3StreamPart => ({ type: "tool-input-end", id }));
    this.toolInputs.clear();
    return [...this.closeBlocks(), ...inputs];
  }

  private openText(): LanguageModelV3StreamPart[] {
    if (this.text !== undefined) return [];
    const closing = this.closeReasoning();
    this.text = `text-${this.count++}`;
    return [...closing, { type: "text-start", id: this.text }];
  }

  private openReasoning(): LanguageModelV3StreamPart[] {
    if (this.reasoning !== undefined) return [];
    const closing = this.closeText();
    this.reasoning = `reasoning-${this.count++}`;
    return [...closing, { type: "reasoning-start", id: this.reasoning }];
  }

  private closeBlocks(): LanguageModelV3StreamPart[] {
    return [...this.closeText(), ...this.closeReasoning()];
  }

  private closeText(): LanguageModelV3StreamPart[] {
    if (this.text === undefined) return [];
    const id = this.text;
    this.text = undefined;
    return [{ type: "text-end", id }];
  }

  private closeReasoning(): LanguageModelV3StreamPart[] {
    if (this.reasoning === undefined) return [];
    const id = this.reasoning;
    this.reasoning = undefined;
    return [{ type: "reasoning-end", id }];
  }
}
