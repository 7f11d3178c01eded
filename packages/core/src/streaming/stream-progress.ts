import type { ModelErrorKind } from "../errors/model-error.ts";
import type { ResetPart, StreamPart } from "../spec/stream-part.ts";

/** A stream cut after content reached the caller, waiting for the next attempt to restart or continue it. */
export interface StreamCut {
  /** The chain id of the model whose stream was cut. */
  readonly model: string;
  /** Why. */
  readonly reason: ModelErrorKind;
}

/** How the attempt after a cut begins: continuing the text shown as a prefill, or over after a `reset`. */
export type Resumption = { readonly prefill: string } | { readonly reset: ResetPart };

/**
 * What one request's stream has shown its caller, across attempts: the
 * mid-stream rules are decided from it. Content shown makes a later failure
 * visible; a complete tool call forbids a restart (the caller may have run
 * it); a tool call begun forbids continuing by prefill. A `reset` forgets all
 * of it, a prefill keeps the text as the answer's start.
 */
export class StreamProgress {
  private shown = false;
  private toolCallStarted = false;
  private toolCallComplete = false;
  private shownText = "";
  private prefixText = "";
  private pendingCut: StreamCut | undefined;

  /** Notes a part on its way to the caller. */
  deliver(part: StreamPart): void {
    this.shown = true;
    if (part.type === "text-delta") this.shownText += part.text;
    else if (part.type === "tool-call-delta") this.toolCallStarted = true;
    else if (part.type === "tool-call") this.toolCallComplete = this.toolCallStarted = true;
  }

  /** Content has reached the caller since the start or the last reset: a failure now is visible. */
  get hasShownContent(): boolean {
    return this.shown;
  }

  /** A complete tool call has reached the caller: no restart after that. */
  get hasShownToolCall(): boolean {
    return this.toolCallComplete;
  }

  /** A cut is waiting for the next attempt to restart or continue it. */
  get hasPendingCut(): boolean {
    return this.pendingCut !== undefined;
  }

  /** Text a continued answer starts with (the prefill), part of the final text. */
  get prefix(): string {
    return this.prefixText;
  }

  /** Remembers a cut after content, for the next attempt to restart or continue. */
  cut(cut: StreamCut): void {
    this.pendingCut = cut;
  }

  /**
   * Begins the attempt after a cut, if there was one: a prefill of the text
   * shown when `canContinue` and no tool call was begun, else a `reset` part
   * for the caller and a fresh start. `undefined` when nothing was cut.
   */
  resume(canContinue: boolean): Resumption | undefined {
    const cut = this.pendingCut;
    if (!cut) return undefined;
    this.pendingCut = undefined;
    if (canContinue && this.shownText !== "" && !this.toolCallStarted) {
      this.prefixText = this.shownText;
      return { prefill: this.shownText };
    }
    this.shown = false;
    this.toolCallStarted = false;
    this.shownText = "";
    this.prefixText = "";
    return { reset: { type: "reset", model: cut.model, reason: cut.reason } };
  }
}
