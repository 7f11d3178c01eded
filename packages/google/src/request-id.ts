import { isRecord } from "./is-record.ts";

/** The response headers that may carry a request id (Gemini sends none; a proxy or gateway may). */
const requestIdHeaders = ["x-request-id", "x-goog-request-id"];

/**
 * The request id header of an answer or a chunk, as the SDK hands its
 * headers over (`sdkHttpResponse.headers`, a plain object), when a proxy or
 * gateway sent one.
 */
export function requestIdOf(data: unknown): string | undefined {
  const response = isRecord(data) ? data.sdkHttpResponse : undefined;
  const headers = isRecord(response) ? response.headers : undefined;
  if (!isRecord(headers)) return undefined;
  for (const name of requestIdHeaders) {
    const value = headers[name];
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}

/** The request id header of a response, from its `Headers` (a proxy's or a gateway's: Gemini sends none). */
export function requestIdOfHeaders(headers: Headers | undefined): string | undefined {
  for (const name of requestIdHeaders) {
    const value = headers?.get(name);
    if (value) return value;
  }
  return undefined;
}
