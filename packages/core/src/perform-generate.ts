import type { ChatResponse } from "./chat-response.ts";
import type { AttemptContext } from "./run-attempt.ts";
import type { FallbackStreamPart } from "./stream-part.ts";
import { underPolicy } from "./under-policy.ts";

/**
 * One non-streamed call under the whole-attempt timer. It yields nothing —
 * `generate()` shows the caller nothing until the end — and is a generator
 * only to share the chain walk with streams.
 */
export async function* performGenerate(context: AttemptContext): AsyncGenerator<FallbackStreamPart, ChatResponse, undefined> {
  const { slot, scope, request } = context;
  scope.startTimer("attempt-timeout", slot.settings.attemptMs);
  const call = () => slot.settings.adapter.generate(request, { signal: scope.signal });
  return await scope.race(underPolicy(slot.settings.policy, scope, call));
}
