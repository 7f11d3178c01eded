import type { Attributes } from "@opentelemetry/api";
import type { ChatRequest, FallbackResult } from "@understudy/core";
import { redactSecrets } from "@understudy/core/adapter";
import { genAiAttr } from "../conventions/gen-ai.ts";
import { inputMessagesOf, outputMessagesOf, systemInstructionsOf } from "./gen-ai-messages.ts";

/**
 * Turns prompts and answers into the conventions' opt-in content attributes:
 * JSON strings (the OpenTelemetry JS API has no structured attribute
 * values, and the conventions allow JSON on spans then), with every secret
 * redacted from the serialised text — so a key pasted into a prompt, a tool
 * argument or a tool result never leaves the process.
 */
export class ContentCapture {
  private readonly secrets: readonly (string | undefined)[];

  /** @param secrets - the app's keys to redact, on top of anything shaped like a provider key */
  constructor(secrets: readonly (string | undefined)[]) {
    this.secrets = secrets;
  }

  /** `gen_ai.system_instructions` and `gen_ai.input.messages` of a request. */
  input(request: ChatRequest): Attributes {
    const system = systemInstructionsOf(request);
    return {
      ...this.attribute(genAiAttr.systemInstructions, system),
      ...this.attribute(genAiAttr.inputMessages, inputMessagesOf(request)),
    };
  }

  /** `gen_ai.output.messages` of an answer. */
  output(result: FallbackResult): Attributes {
    return this.attribute(genAiAttr.outputMessages, outputMessagesOf(result));
  }

  /** Any text that may carry a provider's echo of a key (an error message), redacted. */
  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  private attribute(name: string, value: unknown): Attributes {
    if (value === undefined) return {};
    let json: string;
    try {
      json = JSON.stringify(value);
    } catch {
      // A tool result that cannot be serialised (a cycle, a BigInt) is left out rather than guessed at.
      return {};
    }
    return { [name]: this.redact(json) };
  }
}
