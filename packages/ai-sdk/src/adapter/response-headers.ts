import type { HeaderLookup } from "@understudy/core/adapter";

/**
 * The headers an AI SDK result or `APICallError` carries (a plain record,
 * lower-case keys when they came from `fetch`), as the kit's lookup. Keys are
 * lower-cased here too: a hand-made model may send `Retry-After`. Anything
 * that is not a record of strings is no headers at all.
 */
export function headerLookup(headers: unknown): HeaderLookup | undefined {
  if (typeof headers !== "object" || headers === null) return undefined;
  const lower = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === "string") lower.set(name.toLowerCase(), value);
  }
  return { get: (name) => lower.get(name.toLowerCase()) };
}

/** Where providers put the id of a request: OpenAI and most compatible servers, Anthropic, Amazon. */
const requestIdHeaders = ["x-request-id", "request-id", "x-amzn-requestid"];

/** The provider's request id from a response's headers, when it sent one. */
export function requestIdOf(headers: HeaderLookup | undefined): string | undefined {
  for (const name of requestIdHeaders) {
    const value = headers?.get(name);
    if (value) return value;
  }
  return undefined;
}
