import {
  type FailureSource,
  type FinishReason,
  ModelError,
  type ModelErrorKind,
  redactModelError,
  unfinishedStream,
} from "@understudy/core/adapter";
import { isRecord } from "./is-record.ts";

/** A finish reason in one shape: v3/v4 send `{ unified, raw }`, v2 the unified string alone. */
interface Finish {
  readonly unified: string;
  readonly raw: string | undefined;
  /** Whether the shape has room for the provider's own reason (v3/v4): only then does its absence say something. */
  readonly hasRaw: boolean;
}

function finishFields(value: unknown): Finish {
  if (typeof value === "string") return { unified: value, raw: undefined, hasRaw: false };
  if (!isRecord(value)) return { unified: "unknown", raw: undefined, hasRaw: false };
  return {
    unified: typeof value.unified === "string" ? value.unified : "unknown",
    raw: typeof value.raw === "string" ? value.raw : undefined,
    hasRaw: true,
  };
}

/** Where the finish reason came from: a stream's `finish` part, or a complete answer. */
export type FinishContext =
  | {
      /** A complete answer's. */
      readonly stream: false;
    }
  | {
      /** A stream's `finish` part's. */
      readonly stream: true;
      /** The call's signal: a stream the SDK ended because it fired is `aborted`, not broken. */
      readonly signal: AbortSignal;
    };

/**
 * The neutral finish reason of an AI SDK finish reason, or a thrown
 * `ModelError` when the reason says the answer is not one:
 *
 * - `content-filter`: the provider withheld the answer, a `content_filter`
 *   failure (as the OpenAI and Anthropic adapters report a refusal);
 * - `error`: the provider failed while answering, a `server` failure;
 * - `interrupted` (v4): the provider's stream ended without its completion
 *   signal, a broken stream;
 * - in a stream, also v2's `unknown` and a v3/v4 `other` without a raw
 *   reason: the finish part the SDK emits when the provider's stream just
 *   stopped (v3's OpenAI chat model ends a cut stream so), a broken stream.
 *
 * `text` is the answer's text so far, quoted as the refusal's reason.
 */
export function finishReasonOf(value: unknown, source: FailureSource, context: FinishContext, text = ""): FinishReason {
  const finish = finishFields(value);
  const said = finish.raw === undefined ? "" : ` (${finish.raw})`;
  switch (finish.unified) {
    case "stop":
    case "length":
    case "tool-calls":
      return finish.unified;
    case "content-filter":
      throw failure("content_filter", source, `the provider withheld the answer${said}`, text || undefined, finish.raw);
    case "error":
      throw failure("server", source, `the provider stopped the answer with an error${said}`, undefined, finish.raw);
    case "interrupted":
      throw cut(source, context, "its completion signal (finish reason interrupted)");
    default:
      // A stream's finish part with no reason from the provider is the SDK's, made when the stream just ended.
      if (context.stream && (finish.unified === "unknown" || (finish.hasRaw && finish.raw === undefined)))
        throw cut(source, context, `a finish reason from the provider (the SDK said ${finish.unified})`);
      return "other";
  }
}

function cut(source: FailureSource, context: FinishContext, missing: string): ModelError {
  if (context.stream) return unfinishedStream(source, context.signal, missing);
  return new ModelError({
    kind: "stream_broken",
    provider: source.provider,
    model: source.model,
    message: `the answer ended without ${missing}`,
  });
}

function failure(
  kind: ModelErrorKind,
  source: FailureSource,
  message: string,
  providerMessage: string | undefined,
  code: string | undefined,
): ModelError {
  const error = new ModelError({
    kind,
    provider: source.provider,
    model: source.model,
    message: providerMessage ? `${message}: ${providerMessage}` : message,
    ...(providerMessage ? { providerMessage } : {}),
    ...(code ? { providerCode: code } : {}),
  });
  return redactModelError(error, source.secrets);
}
