import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Which observed call the running code belongs to. Every call a property or
 * the soak makes runs inside its own context, so an event, a health write or
 * a log line can be traced to the call that caused it, even with many calls
 * in flight on one chain.
 */
const calls = new AsyncLocalStorage<number>();
let lastTag = 0;
let lastSeq = 0;

/** A fresh call tag. */
export function nextTag(): number {
  return ++lastTag;
}

/** Runs `work` as call `tag`. */
export function asCall<T>(tag: number, work: () => T): T {
  return calls.run(tag, work);
}

/** The call the running code belongs to, if any. */
export function currentTag(): number | undefined {
  return calls.getStore();
}

/** A global order of things that happened (events, aborts, breaks), across calls. */
export function nextSeq(): number {
  return ++lastSeq;
}
