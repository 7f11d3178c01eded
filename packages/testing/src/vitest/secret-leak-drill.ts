import {
  createFallback,
  type FallbackEvents,
  type FallbackResult,
  type FallbackStream,
  type ModelAdapter,
} from "@understudy/core";
import type { FaultServer } from "../server/fault-server.ts";
import { type FaultStep, faults } from "../server/fault-step.ts";
import { type CapturingLogger, captureConsole } from "./find-secret.ts";

/** One error path of {@link secretLeakSteps}. */
export interface SecretLeakStep {
  /** What the path is, for test names. */
  readonly name: string;
  /** The fault the server answers with. */
  readonly step: FaultStep;
  /** Whether the request streams. */
  readonly stream: boolean;
}

/** The middle of the key in an error's message and code and in the request-id header. */
const middleEverywhere = { part: "middle", in: ["message", "code", "request-id"] } as const;

/**
 * Every error path an adapter has, with the key echoed back wherever a body
 * or header can carry it: whole, without its prefix, or its middle 12
 * characters; and answers whose ids carry a piece of it.
 */
export const secretLeakSteps: readonly SecretLeakStep[] = [
  { name: "401 echoing the key", step: { failure: "auth", echoApiKey: true }, stream: false },
  {
    name: "401 echoing the key without its prefix",
    step: { failure: "auth", echoApiKey: { part: "unprefixed" } },
    stream: false,
  },
  {
    name: "429 echoing the key's middle in its message, code and request id",
    step: { ...faults.rateLimit({ retryAfterSeconds: 1 }), echoApiKey: middleEverywhere },
    stream: false,
  },
  {
    name: "error event mid-stream echoing the key's middle in its message, code and request id",
    step: { ...faults.midStreamError("overloaded", 1), echoApiKey: middleEverywhere },
    stream: true,
  },
  {
    name: "200 with an error body echoing the key's middle",
    step: {
      rawBody: { body: '{"error":{"message":"Overloaded","type":"overloaded_error","code":null}}' },
      echoApiKey: middleEverywhere,
    },
    stream: false,
  },
  {
    name: "200 with a body that is no answer, echoing the key without its prefix",
    step: { rawBody: { body: '{"message":"no"}' }, echoApiKey: { part: "unprefixed", in: ["message", "request-id"] } },
    stream: false,
  },
  {
    name: "malformed event quoting the key's middle (an SDK logs what it cannot parse)",
    step: {
      rawBody: {
        contentType: "text/event-stream",
        body: 'event: content_block_delta\ndata: {"type":"content_block_delta","message":"cut\n\n',
      },
      echoApiKey: { part: "middle" },
    },
    stream: true,
  },
  {
    name: "answer whose ids carry the key's middle",
    step: { echoApiKey: { part: "middle", in: ["response-id", "request-id"] } },
    stream: false,
  },
  {
    name: "streamed answer whose ids carry the key's middle",
    step: { echoApiKey: { part: "middle", in: ["response-id", "request-id"] } },
    stream: true,
  },
  { name: "500 echoing the key", step: { failure: "server", echoApiKey: true }, stream: false },
  { name: "429 echoing the key", step: { ...faults.rateLimit({ retryAfterSeconds: 1 }), echoApiKey: true }, stream: false },
  {
    name: "error event mid-stream echoing the key",
    step: { ...faults.midStreamError("overloaded", 1), echoApiKey: true },
    stream: true,
  },
  { name: "connection reset", step: faults.connectionReset(), stream: false },
  { name: "truncated stream", step: faults.cutStream(1), stream: true },
  { name: "malformed chunk", step: faults.malformedStream(1), stream: true },
];

/** Options of {@link runSecretLeakDrill}. */
export interface SecretLeakDrillOptions {
  /**
   * Whether the adapter's SDK logs a stream chunk it cannot parse (the
   * openai and Anthropic SDKs do: "Could not parse…"). When true (the
   * default), the drill fails unless that line was captured, so that it
   * cannot pass without seeing what the SDK logs. The AI SDK logs nothing
   * (such a chunk becomes an `error` part): say false for it.
   */
  readonly sdkLogsMalformedChunks?: boolean;
}

/**
 * Sends one request down each error path of an adapter through a real
 * pipeline, and returns everything a user could see: the errors thrown and
 * results returned, every event emitted, every console line and every line the
 * SDK logged (`makeAdapter` gets the logger to hand to its SDK client).
 */
export async function runSecretLeakDrill(
  server: FaultServer,
  makeAdapter: (logger: CapturingLogger) => ModelAdapter,
  options: SecretLeakDrillOptions = {},
): Promise<unknown[]> {
  const captured = captureConsole();
  const request = { messages: [{ role: "user" as const, content: "hi" }] };
  const seen: unknown[] = [];
  try {
    const adapter = makeAdapter(captured.logger);
    server.script(
      adapter.modelId,
      secretLeakSteps.map((entry) => entry.step),
    );
    const chat = createFallback({ models: [{ model: adapter, retry: { maxAttempts: 1 }, breaker: false }] });
    const names: (keyof FallbackEvents)[] = ["attempt", "retry", "fallback", "skip", "success", "failure", "exhausted"];
    for (const name of names) chat.on(name, (event: unknown) => seen.push(event));
    for (const { stream } of secretLeakSteps) {
      const outcome = stream ? drain(chat.stream(request)) : chat.generate(request);
      seen.push(
        await outcome.then(
          (result) => result,
          (error: unknown) => error,
        ),
      );
    }
  } finally {
    captured.stop();
  }
  const sdkLogsMalformedChunks = options.sdkLogsMalformedChunks ?? true;
  if (sdkLogsMalformedChunks && !captured.lines.some((line) => line.includes("Could not parse"))) {
    throw new Error("the SDK's log of the malformed chunk was not captured: the drill would miss what SDKs log");
  }
  return [...seen, ...captured.lines];
}

async function drain(stream: FallbackStream): Promise<FallbackResult> {
  for await (const _ of stream) {
    // read to the end
  }
  return stream.result;
}
