import { underUserPolicy } from "../policies/user-policy.ts";
import type { ChatResponse } from "../spec/chat-response.ts";
import type { AttemptContext } from "./run-attempt.ts";

/** One non-streamed call under the whole-attempt timer. `generate()` shows the caller nothing until the end. */
export function performGenerate(context: AttemptContext): Promise<ChatResponse> {
  const { slot, scope, request } = context;
  // A scope already fired makes no call: classified from its cause, like any other stop.
  if (scope.cause) return Promise.reject(new Error(`the attempt stopped before its call (${scope.cause})`));
  scope.startTimer("attempt-timeout", slot.settings.attemptMs);
  context.silenceTimerMs = slot.settings.attemptMs;
  const call = () => context.run.wrap(context.start, () => slot.settings.adapter.generate(request, { signal: scope.signal }));
  return scope.race(underUserPolicy(slot.settings.policy, scope, call));
}
