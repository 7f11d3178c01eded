import type { Attributes } from "@opentelemetry/api";
import type { ChatRequest, FallbackResult } from "@understudy/core";
import { redactSecrets } from "@understudy/core/adapter";
import { genAiAttr } from "../conventions/gen-ai.ts";
import { type ContentFilter, inputMessagesOf, outputMessagesOf, systemInstructionsOf } from "./gen-ai-messages.ts";

/** The default of `maxContentChars`: 64 KiB of text per part. */
export const defaultMaxContentChars = 65_536;

/** What replaces the end of a text cut to `maxContentChars`. */
export function truncationMarker(cut: number): string {
  return `…[${cut} characters truncated]`;
}

// Nothing shorter can hold a secret: configured keys under 6 characters are never redacted, and key shapes are longer.
const shortestRedactable = 6;

/**
 * Turns prompts and answers into the conventions' opt-in content attributes:
 * JSON strings (the OpenTelemetry JS API has no structured attribute
 * values, and the conventions allow JSON on spans then). Each piece of
 * content — a text part, the system prompt, a tool's name, an image link,
 * every string (and key) in a tool call's arguments or a tool's result — is
 * first cut to `maxContentChars` (with a marker saying how much was cut),
 * then has every secret redacted, and only then is the whole serialised: the
 * work is bounded by the limit, not by the prompt, and a secret is matched
 * as the text holds it, not as JSON escapes it (a `\` or `"` in a key would
 * hide it otherwise). The schema's own fields are left as they are.
 */
export class ContentCapture {
  private readonly secrets: readonly (string | undefined)[];
  private readonly maxChars: number;

  /**
   * @param secrets - the app's keys to redact, on top of anything shaped like a provider key
   * @param maxChars - the most characters kept of each string (`Infinity`: no limit)
   */
  constructor(secrets: readonly (string | undefined)[], maxChars = defaultMaxContentChars) {
    this.secrets = secrets;
    this.maxChars = maxChars;
  }

  /** `gen_ai.system_instructions` and `gen_ai.input.messages` of a request. */
  input(request: ChatRequest): Attributes {
    return {
      ...this.attribute(genAiAttr.systemInstructions, () => systemInstructionsOf(request, this.filter)),
      ...this.attribute(genAiAttr.inputMessages, () => inputMessagesOf(request, this.filter)),
    };
  }

  /** `gen_ai.output.messages` of an answer. */
  output(result: FallbackResult): Attributes {
    return this.attribute(genAiAttr.outputMessages, () => outputMessagesOf(result, this.filter));
  }

  /** Any text that may carry a provider's echo of a key (an error message), redacted. */
  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  private readonly filter: ContentFilter = {
    text: (value) => this.text(value),
    value: (value) => this.scrub(value, new Set()),
  };

  private attribute(name: string, build: () => unknown): Attributes {
    let json: string | undefined;
    try {
      const value = build();
      json = value === undefined ? undefined : JSON.stringify(value);
    } catch {
      // A tool result that cannot be serialised (a cycle, a BigInt, a throwing getter) is left out rather than guessed at.
      return {};
    }
    return json === undefined ? {} : { [name]: json };
  }

  /** A string as captured: at most `maxChars` of it, redacted, and the marker when it was cut. */
  private text(value: string): string {
    const kept = cut(value, this.maxChars);
    const clean = kept.length < shortestRedactable ? kept : this.redact(kept);
    return kept.length === value.length ? clean : clean + truncationMarker(value.length - kept.length);
  }

  /**
   * A copy of an arbitrary value (a tool's arguments or result) with every
   * string, keys too, captured by {@link text}, as `JSON.stringify` would see
   * it (`toJSON` is honoured). Throws on a cycle, as `JSON.stringify` would.
   */
  private scrub(value: unknown, ancestors: Set<object>): unknown {
    if (typeof value === "string") return this.text(value);
    if (value === null || typeof value !== "object") return value;
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      const json: unknown = toJSON.call(value);
      if (json !== value) return this.scrub(json, ancestors);
    }
    if (ancestors.has(value)) throw new TypeError("a cycle in captured content");
    ancestors.add(value);
    try {
      if (Array.isArray(value)) return value.map((item) => this.scrub(item, ancestors));
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) copy[this.text(key)] = this.scrub(item, ancestors);
      return copy;
    } finally {
      ancestors.delete(value);
    }
  }
}

/** The first `max` characters of `text`, one fewer rather than half a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}
