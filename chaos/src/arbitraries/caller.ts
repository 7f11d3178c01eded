import fc from "fast-check";
import type { CallerBehaviour } from "../harness/observe-call.ts";

/** What a caller does with a `generate` or `stream` call: read it all, abort, stop early, cancel, or never read. */
export function callerBehaviour(method: "generate" | "stream", abortWithinMs: number): fc.Arbitrary<CallerBehaviour> {
  const abortAt = fc.integer({ min: 0, max: abortWithinMs }).map((ms): CallerBehaviour => ({ kind: "abort-at", ms }));
  const preAborted = fc.constant<CallerBehaviour>({ kind: "pre-aborted" });
  const read = fc.constant<CallerBehaviour>({ kind: "read" });
  if (method === "generate")
    return fc.oneof({ weight: 6, arbitrary: read }, { weight: 3, arbitrary: abortAt }, { weight: 1, arbitrary: preAborted });
  return fc.oneof(
    { weight: 8, arbitrary: read },
    { weight: 3, arbitrary: abortAt },
    {
      weight: 2,
      arbitrary: fc.integer({ min: 0, max: 4 }).map((parts): CallerBehaviour => ({ kind: "abort-after-parts", parts })),
    },
    { weight: 1, arbitrary: preAborted },
    {
      weight: 3,
      arbitrary: fc.integer({ min: 1, max: 4 }).map((afterParts): CallerBehaviour => ({ kind: "break", afterParts })),
    },
    { weight: 2, arbitrary: fc.boolean().map((afterFirstChunk): CallerBehaviour => ({ kind: "cancel", afterFirstChunk })) },
    { weight: 1, arbitrary: fc.constant<CallerBehaviour>({ kind: "return-before-next" }) },
    { weight: 1, arbitrary: fc.constant<CallerBehaviour>({ kind: "never-iterate" }) },
  );
}
