import type { AttemptStartEvent, AttemptWrapper } from "../events/fallback-events.ts";

type Outcome<T> = { readonly value: T } | { readonly error: unknown };

/**
 * Runs an attempt's call inside every wrapper, the first registered
 * outermost. The call runs exactly once whatever a wrapper does: a wrapper
 * that throws — before or after calling — is reported and the attempt goes on
 * with the call's own outcome; one that never calls it is reported and the
 * call is made anyway; a failure of the call itself passes through as the
 * call's, never as the wrapper's.
 */
export function runInsideWrappers<T>(
  wrappers: readonly AttemptWrapper[],
  attempt: AttemptStartEvent,
  call: () => T,
  report: (error: unknown) => void,
): T {
  let run = call;
  for (let index = wrappers.length - 1; index >= 0; index--) {
    run = guarded(wrappers[index] as AttemptWrapper, attempt, run, report);
  }
  return run();
}

function guarded<T>(
  wrapper: AttemptWrapper,
  attempt: AttemptStartEvent,
  inner: () => T,
  report: (error: unknown) => void,
): () => T {
  return () => {
    let outcome: Outcome<T> | undefined;
    const once = (): T => {
      if (!outcome) {
        try {
          outcome = { value: inner() };
        } catch (error) {
          outcome = { error };
        }
      }
      if ("error" in outcome) throw outcome.error;
      return outcome.value;
    };
    let returned: T;
    try {
      returned = wrapper(attempt, once);
    } catch (error) {
      if (outcome && "error" in outcome && outcome.error === error) throw error;
      report(error);
      return once();
    }
    if (!outcome) {
      report(new Error("an attempt wrapper returned without calling the attempt; it was called regardless"));
      return once();
    }
    return returned;
  };
}
