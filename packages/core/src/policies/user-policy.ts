import type { IPolicy } from "cockatiel";
import type { AbortScope } from "./abort-scope.ts";

/**
 * Runs `work` inside the model's own cockatiel policy, if it has one. The
 * policy's signal is forwarded to the attempt's scope only while `work` runs:
 * cockatiel's `timeout()` aborts its signal when the wrapped function returns
 * (`abortOnReturn`), which would otherwise kill a stream that was just opened.
 */
export function underUserPolicy<T>(policy: IPolicy | undefined, scope: AbortScope, work: () => Promise<T>): Promise<T> {
  if (!policy) return work();
  return policy.execute(async ({ signal }) => {
    const forward = (): void => scope.abort("policy", signal.reason);
    if (signal.aborted) forward();
    signal.addEventListener("abort", forward, { once: true });
    try {
      return await work();
    } finally {
      signal.removeEventListener("abort", forward);
    }
  }, scope.signal) as Promise<T>;
}
