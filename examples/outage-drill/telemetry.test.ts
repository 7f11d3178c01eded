import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import type { OtelSummary } from "./telemetry.ts";

// Each run of the drill writes its log and report under its working directory: one of these, removed after.
const workDirs = mkdtempSync(join(tmpdir(), "understudy-demo-runs-"));
afterAll(() => rmSync(workDirs, { recursive: true, force: true }));

const run = promisify(execFile);
const main = fileURLToPath(new URL("./main.ts", import.meta.url));
// About 3 s of traffic: the spike, the outage with the backup's brown-out, and a recovery.
const shortDrill = ["--healthy-ms", "400", "--spike-ms", "400", "--outage-ms", "1500", "--recovery-ms", "900", "--rate", "12"];

/** Runs `pnpm demo` with `args` and the environment's OTLP variables replaced by `env`. */
async function demo(args: readonly string[], env: Record<string, string | undefined> = {}) {
  const childEnv = {
    ...process.env,
    OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: undefined,
    ...env,
  };
  return run(process.execPath, ["--conditions=@understudy/source", main, ...args], {
    env: childEnv,
    // The drill writes its request log and report under its working directory: a temporary one, not the repository.
    cwd: mkdtempSync(join(workDirs, "run-")),
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** An OTLP/HTTP collector in the test: every body posted to it, by path. */
async function startCollector() {
  const received: { path: string; contentType: string; body: unknown }[] = [];
  const server = createServer(async (request, response) => {
    const raw = await readBody(request);
    const text = request.headers["content-encoding"] === "gzip" ? gunzipSync(raw).toString() : raw.toString();
    const contentType = String(request.headers["content-type"]);
    received.push({ path: request.url ?? "", contentType, body: contentType.includes("json") ? JSON.parse(text) : text });
    response.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
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

/** The names of the spans of one instrumentation scope in OTLP/JSON trace bodies. */
function spanNames(bodies: readonly unknown[], scopeName: string): string[] {
  type Body = { resourceSpans?: { scopeSpans?: { scope?: { name?: string }; spans?: { name: string }[] }[] }[] };
  return (bodies as Body[]).flatMap((body) =>
    (body.resourceSpans ?? []).flatMap((resource) =>
      (resource.scopeSpans ?? [])
        .filter((scope) => scope.scope?.name === scopeName)
        .flatMap((scope) => (scope.spans ?? []).map((span) => span.name)),
    ),
  );
}

/** The names of the metrics in OTLP/JSON metric bodies. */
function metricNames(bodies: readonly unknown[]): Set<string> {
  type Body = { resourceMetrics?: { scopeMetrics?: { metrics?: { name: string }[] }[] }[] };
  return new Set(
    (bodies as Body[]).flatMap((body) =>
      (body.resourceMetrics ?? []).flatMap((resource) =>
        (resource.scopeMetrics ?? []).flatMap((scope) => (scope.metrics ?? []).map((metric) => metric.name)),
      ),
    ),
  );
}

/** Spans of every other scope in OTLP/JSON trace bodies. */
function otherSpans(entries: readonly { body: unknown }[]): number {
  type Body = { resourceSpans?: { scopeSpans?: { scope?: { name?: string }; spans?: unknown[] }[] }[] };
  return entries
    .flatMap((entry) => (entry.body as Body).resourceSpans ?? [])
    .flatMap((resource) => resource.scopeSpans ?? [])
    .filter((scope) => scope.scope?.name !== "@understudy/otel")
    .reduce((all, scope) => all + (scope.spans?.length ?? 0), 0);
}

const sum = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((all, n) => all + n, 0);

describe("pnpm demo --otel", () => {
  it("prints, after the drill's summary, the spans and metrics @understudy/otel recorded", { timeout: 60_000 }, async () => {
    const { stdout } = await demo(["--otel", ...shortDrill]);
    const [drill, otel] = stdout.split("\nOpenTelemetry: what @understudy/otel recorded\n");
    expect(drill).toContain("outage drill summary");
    expect(otel).toBeDefined();
    const requests = Number(/requests {2,}(\d+) \(/.exec(drill ?? "")?.[1]);
    expect(requests).toBeGreaterThan(20);
    // One chain span per request, every one answered.
    expect(otel).toContain(`chain spans                   ${requests} (success ${requests})`);
    expect(otel).toMatch(/^ {4}chat claude-sonnet-4-6 +\d+ \(ok \d+, .*rate_limit \d+/m);
    expect(otel).toMatch(/^ {4}chat gpt-4\.1-mini +\d+ \(ok \d+, .*server \d+/m);
    expect(otel).toMatch(/^ {4}chat gemini-2\.5-flash +\d+ \(ok \d+\)$/m);
    expect(otel).toMatch(/^ {2}span events +.*understudy\.fallback \d+/m);
    expect(otel).toMatch(/^ {2}span events +.*understudy\.skip \d+/m);
    expect(otel).toMatch(/^ {2}tokens +(input|output) \d+, (input|output) \d+$/m);
    expect(otel).toMatch(/^ {2}understudy\.fallbacks +.*server \d+/m);
    expect(otel).toMatch(/^ {2}breaker state at the end +claude (closed|open|half-open) \(\d\)/m);
    expect(otel).toContain("exported                      nothing (set OTEL_EXPORTER_OTLP_ENDPOINT");
  });

  it("with OTEL_EXPORTER_OTLP_ENDPOINT, sends the spans and the metrics there over OTLP/HTTP, and says so", {
    timeout: 60_000,
  }, async () => {
    const collector = await startCollector();
    try {
      const { stdout } = await demo(["--otel", ...shortDrill], { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint });
      const requests = Number(/requests {2,}(\d+) \(/.exec(stdout)?.[1]);

      const traces = collector.received.filter((entry) => entry.path === "/v1/traces");
      const metricBodies = collector.received.filter((entry) => entry.path === "/v1/metrics");
      expect(traces.length).toBeGreaterThan(0);
      expect(metricBodies.length).toBeGreaterThan(0);
      expect([...traces, ...metricBodies].every((entry) => entry.contentType.startsWith("application/json"))).toBe(true);

      // The chain spans reached the collector, one per request, and the attempt spans under their names.
      const names = spanNames(
        traces.map((entry) => entry.body),
        "@understudy/otel",
      );
      expect(names.filter((name) => name === "understudy stream outage-drill")).toHaveLength(requests);
      expect(new Set(names)).toEqual(
        new Set(["understudy stream outage-drill", "chat claude-sonnet-4-6", "chat gpt-4.1-mini", "chat gemini-2.5-flash"]),
      );
      const exported = metricNames(metricBodies.map((entry) => entry.body));
      for (const metric of [
        "gen_ai.client.operation.duration",
        "gen_ai.client.token.usage",
        "gen_ai.client.operation.time_to_first_chunk",
        "understudy.fallbacks",
        "understudy.skips",
        "understudy.breaker.state",
        "understudy.cost.answered",
      ])
        expect(exported, metric).toContain(metric);

      // It says what it sent, and it is what arrived (the Anthropic SDK's own spans included).
      const said = /^ {2}exported +(\d+) spans and (\d+) metric exports over OTLP\/HTTP to (\S+)$/m.exec(stdout);
      expect(said?.[3]).toBe(collector.endpoint);
      expect(Number(said?.[1])).toBe(
        spanNames(
          traces.map((entry) => entry.body),
          "@understudy/otel",
        ).length + otherSpans(traces),
      );
      expect(Number(said?.[2])).toBe(metricBodies.length);
    } finally {
      await collector.close();
    }
  });

  it("--json carries the same figures under otel", { timeout: 60_000 }, async () => {
    const { stdout } = await demo(["--otel", "--json", ...shortDrill]);
    const { summary, otel } = JSON.parse(stdout) as { summary: { requests: number }; otel: OtelSummary };
    expect(sum(otel.chainSpans)).toBe(summary.requests);
    expect(otel.chainSpans.success).toBe(summary.requests);
    expect(Object.keys(otel.attemptSpans).sort()).toEqual([
      "chat claude-sonnet-4-6",
      "chat gemini-2.5-flash",
      "chat gpt-4.1-mini",
    ]);
    // One duration point per call: the metric and the spans agree.
    expect(sum(otel.metrics.calls)).toBe(
      Object.values(otel.attemptSpans)
        .map(sum)
        .reduce((a, b) => a + b, 0),
    );
    expect(otel.otlp).toBeUndefined();
  });
});
