import { redactSecrets } from "../adapter-kit/redact-secrets.ts";
import type { ModelSettings } from "../config/model-settings.ts";
import { classifyFailure } from "../engine/classify-failure.ts";
import type { ModelErrorKind } from "../errors/model-error.ts";
import type { ChatRequest } from "../spec/chat-request.ts";
import type { ChatResponse } from "../spec/chat-response.ts";
import { safeUsage } from "../spec/usage.ts";

/** How a shadow call ended. */
export type ShadowCallOutcome =
  | { readonly ok: true; readonly response: ChatResponse; readonly durationMs: number }
  | { readonly ok: false; readonly kind: ModelErrorKind; readonly message: string; readonly durationMs: number };

/** Why a shadow call was stopped by its owner. */
type StopCause = "timeout" | "closed";

/**
 * One call of a model's adapter, and nothing around it: no retry, no
 * breaker, no bulkhead. It owns its abort controller and its timer; `done`
 * settles at the latest when either fires, even if the adapter ignores its
 * signal, and never rejects.
 */
export class ShadowCall {
  /** The call's outcome. */
  readonly done: Promise<ShadowCallOutcome>;
  private readonly controller = new AbortController();
  private cause: StopCause | undefined;

  /**
   * Starts the call.
   *
   * @param settings - the shadow model's settings (its adapter)
   * @param request - the request as that model gets it
   * @param timeoutMs - the call's time limit
   */
  constructor(settings: ModelSettings, request: ChatRequest, timeoutMs: number) {
    const startedAt = performance.now();
    const stopped = Promise.withResolvers<never>();
    this.controller.signal.addEventListener("abort", () => stopped.reject(this.controller.signal.reason), { once: true });
    const timer = setTimeout(() => this.stop("timeout"), timeoutMs);
    // Where timers are objects (Node), a shadow call's timer must not keep the process alive.
    (timer as { unref?: () => void }).unref?.();
    const elapsed = (): number => Math.round(performance.now() - startedAt);
    const call = Promise.resolve().then(() => settings.adapter.generate(request, { signal: this.controller.signal }));
    // An adapter that rejects after the race was lost must not be an unhandled rejection.
    call.catch(() => {});
    this.done = Promise.race([call, stopped.promise]).then(
      (response): ShadowCallOutcome =>
        isResponse(response)
          ? { ok: true, response: { ...response, usage: safeUsage(response.usage) }, durationMs: elapsed() }
          : { ok: false, kind: "server", message: "the adapter's answer is no ChatResponse", durationMs: elapsed() },
      (thrown: unknown): ShadowCallOutcome => ({
        ok: false,
        ...this.failureOf(thrown, settings, timeoutMs),
        durationMs: elapsed(),
      }),
    );
    void this.done.finally(() => clearTimeout(timer));
  }

  /** Aborts the call (idempotent); `done` settles as failed. */
  stop(cause: StopCause): void {
    if (this.controller.signal.aborted) return;
    this.cause = cause;
    this.controller.abort(new Error(`the shadow call was stopped (${cause})`));
  }

  private failureOf(thrown: unknown, settings: ModelSettings, timeoutMs: number): { kind: ModelErrorKind; message: string } {
    if (this.cause === "timeout") return { kind: "timeout", message: `no answer within shadow.timeoutMs (${timeoutMs} ms)` };
    if (this.cause === "closed") return { kind: "aborted", message: "the chain was closed during the shadow call" };
    const error = classifyFailure(thrown, undefined, settings);
    // Adapters' messages are key-free already; a non-adapter error's text is redacted all the same.
    return { kind: error.kind, message: redactSecrets(error.message) };
  }
}

/** Whether an adapter's answer has what a shadow's report reads: a text and a list of tool calls. */
function isResponse(value: unknown): value is ChatResponse {
  const fields = value as Partial<ChatResponse> | null;
  return typeof fields === "object" && fields !== null && typeof fields.text === "string" && Array.isArray(fields.toolCalls);
}
