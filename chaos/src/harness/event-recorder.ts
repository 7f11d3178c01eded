import type { Fallback, FallbackEvents } from "@understudy/core";
import { currentTag, nextSeq } from "./call-context.ts";

/** Every event a chain emits. */
export const eventNames: readonly (keyof FallbackEvents)[] = [
  "requestStart",
  "attempt",
  "retry",
  "fallback",
  "skip",
  "success",
  "failure",
  "exhausted",
  "breakerOpen",
  "breakerHalfOpen",
  "breakerClose",
  "listenerError",
  "healthStore",
  "reset",
  "hedgeStart",
  "hedgeEnd",
  "hedgeSkip",
];

/** An event as recorded: its name, payload, the call it belongs to, and when. */
export interface RecordedEvent {
  readonly name: keyof FallbackEvents;
  readonly payload: unknown;
  readonly tag: number | undefined;
  readonly seq: number;
  readonly time: number;
}

/** How the chain's own listeners misbehave, besides the recorder: a caller's logging code gone wrong. */
export type HostileListeners = "none" | "throwing" | "rejecting";

/** A listener's deliberate failure, recognisable in an unhandled rejection. */
export class ListenerFault extends Error {
  constructor(event: string) {
    super(`chaos: a listener of "${event}" failed on purpose`);
    this.name = "ListenerFault";
  }
}

/**
 * Records every event of `chat`, attributed to the observed call that caused
 * it, and adds hostile listeners when asked (one that throws, or an async one
 * that rejects) to check that a caller's broken listener never breaks a request.
 */
export class EventRecorder {
  readonly events: RecordedEvent[] = [];
  private readonly byTag = new Map<number | undefined, RecordedEvent[]>();
  private readonly keep: boolean;

  /** `keep: false` keeps events only until {@link EventRecorder.take} takes them (a long soak). */
  constructor(chat: Fallback, hostile: HostileListeners = "none", options: { keep?: boolean } = {}) {
    this.keep = options.keep ?? true;
    for (const name of eventNames) {
      chat.on(name, (payload: unknown) => {
        const event = { name, payload, tag: currentTag(), seq: nextSeq(), time: Date.now() };
        if (this.keep) this.events.push(event);
        const list = this.byTag.get(event.tag);
        if (list) list.push(event);
        else this.byTag.set(event.tag, [event]);
      });
      if (name === "listenerError") continue;
      if (hostile === "throwing") {
        chat.on(name, () => {
          throw new ListenerFault(name);
        });
      } else if (hostile === "rejecting") {
        chat.on(name, async () => {
          throw new ListenerFault(name);
        });
      }
    }
  }

  /** The events of one call. */
  of(tag: number): RecordedEvent[] {
    return [...(this.byTag.get(tag) ?? [])];
  }

  /** The events of one call, forgotten here. */
  take(tag: number): RecordedEvent[] {
    const events = this.byTag.get(tag) ?? [];
    this.byTag.delete(tag);
    return events;
  }

  /** Events that belong to no observed call. */
  get orphans(): readonly RecordedEvent[] {
    return this.byTag.get(undefined) ?? [];
  }
}
