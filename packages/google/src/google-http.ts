import type { GoogleGenAI, HttpOptions } from "@google/genai";
import { describeThrown, type FailureSource, ModelError, malformedAnswer, redactModelError } from "@understudy/core/adapter";
import { classifyGoogleError, googleErrorFailure, isApiError } from "./classify-google-error.ts";
import { googleStatusOf } from "./google-error-body.ts";
import { requestIdOfHeaders } from "./request-id.ts";

/** A `fetch`, as `httpOptions.fetch` takes it. */
type Fetch = NonNullable<HttpOptions["fetch"]>;

/** What one call's response said of itself before its body was read: its status and headers. */
export interface ResponseRecord {
  status: number | undefined;
  headers: Headers | undefined;
}

/** A record for one call, empty until its response arrives. */
export function responseRecord(): ResponseRecord {
  return { status: undefined, headers: undefined };
}

/**
 * A `fetch` for one call that records its response's status and headers in
 * `record`: the SDK's `ApiError` keeps no headers, and a `SyntaxError` (an
 * error body it could not parse) not even the status. Passed per request as
 * `httpOptions.fetch`, which the SDK sets over the client's own (its
 * `patchHttpOptions` copies a per-request `fetch` as it is); it calls the
 * client's own `fetch` when it has one. Else the global `fetch`, with the
 * dispatcher the SDK gives its own calls on Node (and only when no `fetch` is
 * given): undici's without its 300 s header and body timeouts, so that the
 * pipeline's timers alone decide.
 */
export function recordingFetch(client: GoogleGenAI, record: ResponseRecord): Fetch {
  const own = clientFetchOf(client);
  return async (input, init) => {
    const response = own ? await own(input, init) : await globalThis.fetch(input, withPatientDispatcher(init));
    record.status = response.status;
    record.headers = response.headers;
    return response;
  };
}

/** The `fetch` the client was made with (`httpOptions.fetch`), when it has one. */
function clientFetchOf(client: GoogleGenAI): Fetch | undefined {
  try {
    const own = (client as unknown as { apiClient?: { getFetch?: () => unknown } }).apiClient?.getFetch?.();
    return typeof own === "function" ? (own as Fetch) : undefined;
  } catch {
    return undefined;
  }
}

/** Where Node's bundled undici keeps its global dispatcher (the key the SDK reads too). */
const globalDispatcherKey = Symbol.for("undici.globalDispatcher.1");

interface Dispatcher {
  dispatch(options: object, handler: unknown): boolean;
}

function globalDispatcher(): Dispatcher | undefined {
  const read = () => (globalThis as unknown as Record<symbol, Dispatcher | undefined>)[globalDispatcherKey];
  if (read() === undefined && typeof Headers !== "undefined") new Headers(); // Node makes its dispatcher lazily.
  const dispatcher = read();
  return typeof dispatcher?.dispatch === "function" ? dispatcher : undefined;
}

/** Forwards to the global dispatcher without undici's own header and body timeouts, as the SDK's does. */
const patientDispatcher: Dispatcher = {
  dispatch(options, handler) {
    const dispatcher = globalDispatcher();
    if (!dispatcher) throw new Error("undici's global dispatcher is not available");
    return dispatcher.dispatch({ ...options, headersTimeout: 0, bodyTimeout: 0 }, handler);
  },
};

function withPatientDispatcher(init: RequestInit | undefined): RequestInit | undefined {
  const onNode = typeof globalThis.process?.versions?.node === "string";
  if (!onNode || (init && "dispatcher" in init) || !globalDispatcher()) return init;
  return { ...init, dispatcher: patientDispatcher } as RequestInit;
}

/**
 * What a call threw, with what its response said of itself: the SDK's
 * `ApiError` with the request id header (a proxy's: Gemini sends none); a
 * `SyntaxError` (a body it could not parse as JSON) classified by the status
 * the response came with, as any error of that status is (a 429 cut short is
 * still a rate limit), a `server` failure of the body when the status was a
 * success, and never said to be a 200 when no status was seen. Anything else
 * is returned as it is, for the skeleton to classify.
 */
export function withResponseFacts(error: unknown, record: ResponseRecord, source: FailureSource, signal: AbortSignal): unknown {
  const requestId = requestIdOfHeaders(record.headers);
  if (isApiError(error)) return classifyGoogleError(error, source, signal, requestId);
  if (!(error instanceof SyntaxError)) return error;
  const { status } = record;
  const detail = describeThrown(error);
  if (status !== undefined && (status < 200 || status >= 300)) {
    return googleErrorFailure(googleStatusOf(""), source, {
      status,
      fallbackMessage: `a body that is not JSON: ${detail}`,
      cause: error,
      ...(requestId === undefined ? {} : { requestId }),
    });
  }
  if (status === 200) return malformedAnswer(source, "a body that is not JSON", detail, requestId);
  const failure = new ModelError({
    kind: "server",
    provider: source.provider,
    model: source.model,
    message: `answered ${status ?? "(no status seen)"} with a body that is not JSON: ${detail}`,
    ...(status === undefined ? {} : { status }),
    ...(requestId === undefined ? {} : { requestId }),
  });
  return redactModelError(failure, source.secrets);
}

/**
 * The endpoint a client calls, as a thought signature's origin records it:
 * `gemini-api` or `vertex-ai`, and its base URL (a region of Vertex AI, a
 * gateway); the SDK's default base URL when the adapter makes the client.
 */
export function endpointOf(client: GoogleGenAI | undefined, baseURL: string | undefined): string {
  if (!client) return `gemini-api ${withoutTrailingSlash(baseURL ?? "https://generativelanguage.googleapis.com")}`;
  let base: string | undefined;
  try {
    const read = (client as unknown as { apiClient?: { getBaseUrl?: () => unknown } }).apiClient?.getBaseUrl?.();
    base = typeof read === "string" ? withoutTrailingSlash(read) : undefined;
  } catch {
    base = undefined;
  }
  return `${client.vertexai ? "vertex-ai" : "gemini-api"}${base ? ` ${base}` : ""}`;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
