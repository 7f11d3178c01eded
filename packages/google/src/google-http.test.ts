import { GoogleGenAI } from "@google/genai";
import { faults } from "@understudy/testing";
import { expectModelError, useFaultServer } from "@understudy/testing/vitest";
import { afterEach, describe, expect, it, vi } from "vitest";
import { google } from "./google.ts";
import { endpointOf, recordingFetch, responseRecord } from "./google-http.ts";

const server = useFaultServer();
const apiKey = "AIzaSyA-sentinel-google-0123456789abcde";
const ask = { messages: [{ role: "user" as const, content: "Hi" }] };
const call = () => ({ signal: new AbortController().signal });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the per-call fetch that records a response's status and headers", () => {
  it("goes through the client's own fetch when it has one, for answers, streams and errors", async () => {
    const seen: string[] = [];
    const own = async (input: string | URL | Request, init?: RequestInit) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    const client = new GoogleGenAI({ apiKey, httpOptions: { baseUrl: server().geminiBaseURL, fetch: own } });
    server().script("gemini-test", [{}, {}, faults.rateLimit()]);
    const adapter = google("gemini-test", { client });
    await adapter.generate(ask, call());
    for await (const _ of adapter.stream(ask, call())) {
      // read to the end
    }
    expect(await expectModelError(adapter.generate(ask, call()))).toMatchObject({ kind: "rate_limit", status: 429 });
    expect(seen).toHaveLength(3);
    expect(seen[1]).toMatch(/:streamGenerateContent\?alt=sse$/);
  });

  it("records the status and headers, and without a fetch of the client's gives undici no timeouts of its own, as the SDK does", async () => {
    const inits: (RequestInit | undefined)[] = [];
    vi.stubGlobal("fetch", async (_input: string | URL | Request, init?: RequestInit) => {
      inits.push(init);
      return new Response("{}", { status: 418, headers: { "x-request-id": "req_1" } });
    });
    const record = responseRecord();
    const response = await recordingFetch(new GoogleGenAI({ apiKey }), record)("http://example.test/", { method: "POST" });
    expect(response.status).toBe(418);
    expect(record.status).toBe(418);
    expect(record.headers?.get("x-request-id")).toBe("req_1");
    interface Dispatcher {
      dispatch(options: object, handler: unknown): boolean;
    }
    const dispatcher = (inits[0] as { dispatcher?: Dispatcher }).dispatcher;
    expect(dispatcher).toBeDefined();
    const global = (globalThis as unknown as Record<symbol, Dispatcher>)[Symbol.for("undici.globalDispatcher.1")] as Dispatcher;
    const dispatched = vi.spyOn(global, "dispatch").mockReturnValue(true);
    dispatcher?.dispatch({ path: "/" }, {});
    expect(dispatched).toHaveBeenCalledWith({ path: "/", headersTimeout: 0, bodyTimeout: 0 }, {});
    dispatched.mockRestore();
  });
});

describe("the endpoint a thought signature's origin records", () => {
  it("tells the Gemini API from Vertex AI, and one base URL from another", () => {
    expect(endpointOf(undefined, undefined)).toBe("gemini-api https://generativelanguage.googleapis.com");
    expect(endpointOf(undefined, "https://gateway.example/gemini/")).toBe("gemini-api https://gateway.example/gemini");
    expect(endpointOf(new GoogleGenAI({ apiKey }), undefined)).toBe("gemini-api https://generativelanguage.googleapis.com");
    const vertex = new GoogleGenAI({ vertexai: true, project: "p", location: "europe-west4" });
    expect(endpointOf(vertex, undefined)).toBe("vertex-ai https://europe-west4-aiplatform.googleapis.com");
  });
});
