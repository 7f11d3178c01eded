/**
 * Why a scope's signal fired. The engine classifies an attempt's end by it:
 * an SDK ends an aborted stream silently, so the cause must be known apart.
 */
export type AbortCause =
  | "caller"
  | "deadline"
  | "attempt-timeout"
  | "first-token-timeout"
  | "idle-timeout"
  | "policy"
  | "consumer"
  | "cleanup";

type TimerCause = Extract<AbortCause, "deadline" | "attempt-timeout" | "first-token-timeout" | "idle-timeout">;

/**
 * An AbortController that remembers why it fired, owns the timers that may
 * fire it, and follows a parent (the caller's signal, or the request's scope).
 * `dispose()` clears every timer and listener, so nothing outlives a request.
 */
export class AbortScope {
  private readonly controller = new AbortController();
  private readonly timers = new Map<TimerCause, ReturnType<typeof setTimeout>>();
  private firedCause: AbortCause | undefined;
  private detachParent: (() => void) | undefined;
  private abortedPromise: Promise<never> | undefined;

  /** A root scope that follows the caller's signal, if any. */
  static root(callerSignal: AbortSignal | undefined): AbortScope {
    const scope = new AbortScope();
    if (callerSignal) scope.follow(callerSignal, () => "caller");
    return scope;
  }

  /** A child scope: fires with the parent's cause when the parent fires. */
  child(): AbortScope {
    const scope = new AbortScope();
    scope.follow(this.signal, () => this.firedCause ?? "caller");
    return scope;
  }

  /** The signal to hand to whatever this scope may cancel. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the scope fired, or `undefined` while it has not. */
  get cause(): AbortCause | undefined {
    return this.firedCause;
  }

  /** Fires the scope (once; later calls keep the first cause). */
  abort(cause: AbortCause, reason?: unknown): void {
    if (this.firedCause) return;
    this.firedCause = cause;
    this.clearTimers();
    this.controller.abort(reason ?? new Error(`aborted: ${cause}`));
  }

  /** Fires the scope with `cause` after `ms`, unless cleared; `false` sets no timer. */
  startTimer(cause: TimerCause, ms: number | false): void {
    this.clearTimer(cause);
    if (ms === false || this.firedCause) return;
    this.timers.set(
      cause,
      setTimeout(() => this.abort(cause), ms),
    );
  }

  /** Clears the timer of `cause`, if set. */
  clearTimer(cause: TimerCause): void {
    const timer = this.timers.get(cause);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(cause);
  }

  /**
   * Races `work` against this scope: rejects as soon as the scope fires, even
   * if `work` ignores the signal (a late settlement of `work` is absorbed).
   */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.firedCause) {
      work.catch(() => {});
      return Promise.reject(this.signal.reason);
    }
    this.abortedPromise ??= new Promise<never>((_, reject) => {
      this.signal.addEventListener("abort", () => reject(this.signal.reason), { once: true });
    });
    this.abortedPromise.catch(() => {});
    return Promise.race([work, this.abortedPromise]).finally(() => {
      work.catch(() => {});
    });
  }

  /** Clears timers and stops following the parent. The signal keeps its state. */
  dispose(): void {
    this.clearTimers();
    this.detachParent?.();
    this.detachParent = undefined;
  }

  private follow(parent: AbortSignal, causeOf: () => AbortCause): void {
    if (parent.aborted) {
      this.abort(causeOf(), parent.reason);
      return;
    }
    const onAbort = (): void => this.abort(causeOf(), parent.reason);
    parent.addEventListener("abort", onAbort, { once: true });
    this.detachParent = () => parent.removeEventListener("abort", onAbort);
  }

  private clearTimers(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
