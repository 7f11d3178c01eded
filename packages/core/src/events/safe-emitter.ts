import { EventEmitter } from "eventemitter3";
import type { FallbackEvents } from "./fallback-events.ts";

type EventName = EventEmitter.EventNames<FallbackEvents>;
type Listener<E extends EventName> = EventEmitter.EventListener<FallbackEvents, E>;
type AnyListener = object;

/**
 * An eventemitter3 emitter whose listeners are guarded when they are added: a
 * listener that throws (or, being async, rejects) is reported as `listenerError` and the others still run,
 * so logging code can never break a request. Emitting stays eventemitter3's
 * own fast `emit` (nothing at all with no listener).
 */
export class SafeEmitter extends EventEmitter<FallbackEvents> {
  private readonly guards = new Map<EventName, WeakMap<AnyListener, unknown>>();

  /** Adds a guarded listener. */
  override on<E extends EventName>(event: E, listener: Listener<E>, context?: unknown): this {
    return super.on(event, this.guard(event, listener), context);
  }

  /** Adds a guarded listener. */
  override addListener<E extends EventName>(event: E, listener: Listener<E>, context?: unknown): this {
    return this.on(event, listener, context);
  }

  /** Adds a guarded listener that runs once. */
  override once<E extends EventName>(event: E, listener: Listener<E>, context?: unknown): this {
    return super.once(event, this.guard(event, listener), context);
  }

  /** Removes a listener added with `on`, `addListener` or `once`. */
  override off<E extends EventName>(event: E, listener?: Listener<E>, context?: unknown, once?: boolean): this {
    const guard = listener && (this.guards.get(event)?.get(listener) as Listener<E> | undefined);
    return super.off(event, guard ?? listener, context, once);
  }

  /** Removes a listener added with `on`, `addListener` or `once`. */
  override removeListener<E extends EventName>(event: E, listener?: Listener<E>, context?: unknown, once?: boolean): this {
    return this.off(event, listener, context, once);
  }

  private guard<E extends EventName>(event: E, listener: Listener<E>): Listener<E> {
    let byListener = this.guards.get(event);
    if (!byListener) {
      byListener = new WeakMap();
      this.guards.set(event, byListener);
    }
    const existing = byListener.get(listener);
    if (existing) return existing as Listener<E>;
    const report = (error: unknown): void => {
      if (event !== "listenerError") this.emit("listenerError", { event, error });
    };
    const guarded = function (this: unknown, ...args: unknown[]) {
      try {
        const returned: unknown = (listener as (...a: unknown[]) => unknown).apply(this, args);
        // An async listener fails later, as a rejection: caught here, it is reported like a throw.
        if (isThenable(returned)) returned.then(undefined, report);
      } catch (error) {
        report(error);
      }
    } as Listener<E>;
    byListener.set(listener, guarded);
    return guarded;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
