import { randomUUID } from "node:crypto";

/**
 * The start of a tool call id this adapter made up because Gemini sent none
 * (`functionCall.id` is optional, and Gemini API models often leave it out).
 * Such an id is never sent back to Gemini: the function response is matched
 * to its call by name and order instead, as Gemini does for calls without ids.
 */
const syntheticPrefix = "gemini_call_";

/**
 * Makes up the ids of one answer's function calls that came without one:
 * the answer's `responseId`, a random part drawn once per answer, and the
 * call's position among the answer's calls. Stable within the answer (a
 * stream's deltas and its calls share them); never the same across answers,
 * even when a proxy repeats a `responseId`.
 */
export function syntheticCallIds(responseId: string | undefined): (position: number) => string {
  const answer = responseId?.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 64);
  const nonce = randomUUID()
    .replaceAll("-", "")
    .slice(0, answer ? 8 : 16);
  const stem = answer ? `${answer}_${nonce}` : nonce;
  return (position) => `${syntheticPrefix}${stem}_${position}`;
}

/** True for an id {@link syntheticCallIds} made up: it is not Gemini's, and is not sent back. */
export function isSyntheticCallId(id: string): boolean {
  return id.startsWith(syntheticPrefix);
}
