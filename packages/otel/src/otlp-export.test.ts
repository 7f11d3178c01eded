import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { anthropic } from "@understudy/anthropic";
import { createFallback } from "@understudy/core";
import { openai } from "@understudy/openai";
import { faults } from "@understudy/testing";
import { useFaultServer } from "@understudy/testing/vitest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instrument } from "./index.ts";

const faultServer = useFaultServer();
const apiKey = "sk-sentinel-0123456789abcdefghij";

/** An OTLP/HTTP collector in the test: it keeps every JSON body posted to /v1/traces. */
interface Collector {
  readonly url: string;
  readonly bodies: unknown[];
  close(): Promise<void>;
}

async function startCollector(): Promise<Collector> {
  const bodies: unknown[] = [];
  const server: Server = createServer(async (request, response) => {
    const raw = await readBody(request);
    const text = request.headers["content-encoding"] === "gzip" ? gunzipSync(raw).toString() : raw.toString();
    if (request.url === "/v1/traces" && String(request.headers["content-type"]).startsWith("application/json")) {
      bodies.push(JSON.parse(text));
    }
    response.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    bodies,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** OTLP/JSON spans, with their attributes as plain values. */
interface OtlpSpan {
  readonly name: string;
  readonly kind: number;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly traceId: string;
  readonly status?: { readonly code?: number };
  readonly attributes: Record<string, unknown>;
  readonly events: readonly { readonly name: string }[];
}

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
};

function plainValue(value: AnyValue): unknown {
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plainValue);
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.doubleValue ?? value.boolValue;
}

function spansOf(bodies: readonly unknown[]): OtlpSpan[] {
  type Raw = Omit<OtlpSpan, "attributes"> & { attributes?: { key: string; value: AnyValue }[] };
  type Body = { resourceSpans?: { scopeSpans?: { scope?: { name?: string }; spans?: Raw[] }[] }[] };
  return (bodies as Body[]).flatMap((body) =>
    (body.resourceSpans ?? []).flatMap((resource) =>
      (resource.scopeSpans ?? [])
        .filter((scope) => scope.scope?.name === "@understudy/otel")
        .flatMap((scope) => scope.spans ?? [])
        .map((span) => ({
          ...span,
          attributes: Object.fromEntries((span.attributes ?? []).map(({ key, value }) => [key, plainValue(value)])),
          events: span.events ?? [],
        })),
    ),
  );
}

describe("exported over OTLP/HTTP (JSON)", () => {
  let collector: Collector;
  let provider: TracerProvider;
  beforeEach(async () => {
    collector = await startCollector();
    provider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: collector.url }) })],
    });
  });
  afterEach(async () => {
    await provider.shutdown();
    await collector.close();
  });

  it("a collector receives the chain span and its call spans, linked, named and attributed", async () => {
    faultServer().script("claude-sonnet-4-6", [faults.rateLimit()]);
    const chat = createFallback({
      models: [
        { model: anthropic("claude-sonnet-4-6", { apiKey, baseURL: faultServer().anthropicBaseURL }), retry: { maxAttempts: 1 } },
        { model: openai("gpt-4.1-mini", { apiKey, baseURL: faultServer().openaiBaseURL }) },
      ],
    });
    instrument(chat, { tracerProvider: provider });
    const result = await chat.generate({ messages: [{ role: "user", content: "Hi" }], maxTokens: 50 });
    await provider.forceFlush();

    const spans = spansOf(collector.bodies);
    expect(spans.map((span) => span.name).sort()).toEqual(["chat claude-sonnet-4-6", "chat gpt-4.1-mini", "understudy generate"]);
    const request = spans.find((span) => span.name === "understudy generate");
    const [limited, answer] = ["chat claude-sonnet-4-6", "chat gpt-4.1-mini"].map((name) =>
      spans.find((span) => span.name === name),
    );
    // OTLP span kinds: 1 internal, 3 client; status 2 is error.
    expect(request?.kind).toBe(1);
    expect([limited?.kind, answer?.kind]).toEqual([3, 3]);
    expect(limited?.parentSpanId).toBe(request?.spanId);
    expect(answer?.parentSpanId).toBe(request?.spanId);
    expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);
    expect(request?.attributes).toMatchObject({
      "understudy.request.id": result.requestId,
      "understudy.answer.model": "openai:gpt-4.1-mini",
      "understudy.fallbacks": ["anthropic:claude-sonnet-4-6 -> openai:gpt-4.1-mini: rate_limit"],
      "understudy.attempt_count": 2,
    });
    expect(request?.events.map((event) => event.name)).toEqual(["understudy.fallback"]);
    expect(limited?.status?.code).toBe(2);
    expect(limited?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "anthropic",
      "gen_ai.request.model": "claude-sonnet-4-6",
      "gen_ai.request.max_tokens": 50,
      "error.type": "rate_limit",
      "understudy.http.status": 429,
    });
    expect(answer?.attributes).toMatchObject({
      "gen_ai.provider.name": "openai",
      "gen_ai.response.id": result.responseId,
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.output_tokens": result.usage.outputTokens,
      "server.address": "127.0.0.1",
    });
  });
});
