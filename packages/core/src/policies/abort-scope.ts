import { timerDelay } from "../config/duration.ts";

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
  | "hedge-lost"
  | "cleanup";

// Every failed attempt's scope is fired on cleanup, when no one is left to
// read the reason: one shared Error spares a stack capture per failover.
const cleanupReason = new Error("aborted: cleanup");

type TimerCause = Extract<AbortCause, "deadline" | "attempt-timeout" | "first-token-timeout" | "idle-timeout">;

/**
 * An AbortController that remembers why it fired, owns the timers that may
 * fire it, and follows a parent (the caller's signal, or the request's scope).
 * `dispose()` clears every timer and listener, so nothing outlives a request.
 *
 * It sits on every call's path, so it is built to cost little when nothing
 * fires: the controller is made only when someone asks for the signal, child
 * scopes are fired directly rather than through the signal's listeners, and a
 * race is settled by `abort()` itself.
 */
export class AbortScope {
  private controller: AbortController | undefined;
  private timers: Map<TimerCause, ReturnType<typeof setTimeout>> | undefined;
  private firedCause: AbortCause | undefined;
  private firedReason: unknown;
  private detachParent: (() => void) | undefined;
  private readonly children = new Set<AbortScope>();
  private readonly racing = new Set<(reason: unknown) => void>();

  /** A root scope that follows the caller's signal, if any. */
  static root(callerSignal: AbortSignal | undefined): AbortScope {
    const scope = new AbortScope();
    if (callerSignal) scope.followSignal(callerSignal);
    return scope;
  }

  /** A child scope: fires with the parent's cause when the parent fires. */
  child(): AbortScope {
    const scope = new AbortScope();
    if (this.firedCause) {
      scope.abort(this.firedCause, this.firedReason);
      return scope;
    }
    this.children.add(scope);
    scope.detachParent = () => this.children.delete(scope);
    return scope;
  }

  /** The signal to hand to whatever this scope may cancel. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.firedCause) this.controller.abort(this.firedReason);
    }
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
    this.firedReason = reason ?? (cause === "cleanup" ? cleanupReason : new Error(`aborted: ${cause}`));
    this.clearTimers();
    this.controller?.abort(this.firedReason);
    for (const child of this.children) child.abort(cause, this.firedReason);
    this.children.clear();
    for (const reject of this.racing) reject(this.firedReason);
    this.racing.clear();
  }

  /** Fires the scope with `cause` after `ms`, unless cleared; `false` or `Infinity` sets no timer. */
  startTimer(cause: TimerCause, ms: number | false): void {
    this.clearTimer(cause);
    const delay = ms === false ? undefined : timerDelay(ms);
    if (delay === undefined || this.firedCause) return;
    this.timers ??= new Map();
    this.timers.set(
      cause,
      setTimeout(() => this.abort(cause), delay),
    );
  }

  /** Clears the timer of `cause`, if set. */
  clearTimer(cause: TimerCause): void {
    const timer = this.timers?.get(cause);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers?.delete(cause);
  }

  /**
   * Races `work` against this scope: rejects as soon as the scope fires, even
   * if `work` ignores the signal (a late settlement of `work` is absorbed).
   */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.firedCause) {
      work.catch(() => {});
      return Promise.reject(this.firedReason);
    }
    return new Promise<T>((resolve, reject) => {
      this.racing.add(reject);
      work.then(
        (value) => {
          this.racing.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.racing.delete(reject);
          reject(error);
        },
      );
    });
  }

  /** Clears timers and stops following the parent. The signal keeps its state. */
  dispose(): void {
    this.clearTimers();
    this.detachParent?.();
    this.detachParent = undefined;
  }

  private followSignal(parent: AbortSignal): void {
    if (parent.aborted) {
      this.abort("caller", parent.reason);
      return;
    }
    const onAbort = (): void => this.abort("caller", parent.reason);
    parent.addEventListener("abort", onAbort, { once: true });
    this.detachParent = () => parent.removeEventListener("abort", onAbort);
  }

  private clearTimers(): void {
    if (!this.timers) return;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
