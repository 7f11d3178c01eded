import { type ChatRequest, type ChatResponse, createFallback, type ModelAdapter } from "@understudy/core";
import { zeroUsage } from "@understudy/core/adapter";
import { openai } from "@understudy/openai";
import type { BenchContext } from "../bench-context.ts";
import { budget } from "../budget.ts";
import type { ChainSetup, ModelEndpoint, System } from "../contender.ts";
import { instantFetch } from "../instant-fetch.ts";
import { type Latency, measureLatency, type Timed } from "../latency.ts";
import { openaiClient } from "../openai-calls.ts";
import { type Goal, micros, ratio, type ScenarioResult, type Table } from "../report.ts";
import { cancellableSdk, cancellableSdkName } from "../systems/plain-sdk.ts";
import { understudyPolicies } from "../systems/understudy.ts";
import { understudyOtel, understudyOtelNoSdk } from "../systems/understudy-otel.ts";

/** The in-process endpoint: the instant fake `fetch`; the URL is never dialled. */
export const instantEndpoint: ModelEndpoint = { baseURL: "http://instant.invalid/v1", fetch: instantFetch };

const request: ChatRequest = { messages: [{ role: "user", content: budget.prompt }], maxTokens: budget.maxTokens };

function callOptions() {
  return { signal: new AbortController().signal };
}

async function systemTimers(systems: readonly System[], endpoint: ModelEndpoint): Promise<Timed[]> {
  const setup: ChainSetup = { endpoint, primary: "primary", backup: "backup", breaker: undefined };
  return Promise.all(
    systems.map(async (system) => {
      const contender = await system.create(setup);
      return { name: system.name, call: () => contender.generate(budget.prompt) };
    }),
  );
}

function cancellableSdkTimer(endpoint: ModelEndpoint): Timed {
  const contender = cancellableSdk(endpoint);
  return { name: cancellableSdkName, call: () => contender.generate(budget.prompt) };
}

/** The understudy adapter called on its own: the floor for the engine's own cost. */
function bareAdapterTimer(endpoint: ModelEndpoint): Timed {
  const adapter = openai("primary", { client: openaiClient(endpoint) });
  return { name: "bare @understudy/openai adapter", call: () => adapter.generate(request, callOptions()) };
}

const instantResponse: ChatResponse = { text: "Io.", toolCalls: [], finishReason: "stop", usage: zeroUsage };

function instantAdapter(modelId: string): ModelAdapter {
  return {
    provider: "instant",
    modelId,
    generate: async () => instantResponse,
    stream: async function* () {
      yield { type: "finish", finishReason: "stop", usage: zeroUsage };
    },
  };
}

/** The engine alone: a chain of instant adapters against one instant adapter called directly. */
function engineTimers(): Timed[] {
  const adapter = instantAdapter("primary");
  const setup: ChainSetup = { endpoint: instantEndpoint, primary: "primary", backup: "backup", breaker: undefined };
  const chat = createFallback({
    models: [{ model: adapter }, { model: instantAdapter("backup") }],
    defaults: understudyPolicies(setup),
  });
  return [
    { name: "instant ModelAdapter alone", call: () => adapter.generate(request, callOptions()) },
    { name: "understudy over instant ModelAdapter", call: () => chat.generate(request) },
  ];
}

function find(latencies: readonly Latency[], name: string): Latency {
  const found = latencies.find((latency) => latency.name === name);
  if (!found) throw new Error(`no latency for ${name}`);
  return found;
}

function overheadTable(latencies: readonly Latency[], floor: Latency): Table {
  return {
    head: ["system", "median µs (round medians)", "p99 µs (round p99s)", "added median µs", "added p99 µs", "× plain"],
    rows: latencies.map((latency) => [
      latency.name,
      `${micros(latency.median.value)} (${micros(latency.median.low)}–${micros(latency.median.high)})`,
      `${micros(latency.p99.value)} (${micros(latency.p99.low)}–${micros(latency.p99.high)})`,
      latency === floor ? "floor" : micros(latency.median.value - floor.median.value),
      latency === floor ? "floor" : micros(latency.p99.value - floor.p99.value),
      ratio(latency.median.value / floor.median.value),
    ]),
  };
}

function added(latency: Latency, floor: Latency): number {
  return latency.median.value - floor.median.value;
}

/** A bar per system (not the floors) of one table: its added median time. */
function chartBars(latencies: readonly Latency[], floor: Latency, systems: readonly System[], where: string) {
  return latencies.flatMap((latency) => {
    const system = systems.find((candidate) => candidate.name === latency.name);
    if (!system || latency === floor) return [];
    return [{ label: `${system.chartName ?? system.name} · ${where}`, value: added(latency, floor) }];
  });
}

/** What `@understudy/otel` adds to the understudy row, per call, in each table where its rows ran. */
function otelNote(inProcess: readonly Latency[], overHttp: readonly Latency[]): string[] {
  const parts = [understudyOtel, understudyOtelNoSdk].flatMap((system) =>
    (
      [
        ["in-process", inProcess],
        ["over HTTP", overHttp],
      ] as const
    ).flatMap(([where, latencies]) => {
      const base = latencies.find((latency) => latency.name === "understudy");
      const instrumented = latencies.find((latency) => latency.name === system.name);
      if (!base || !instrumented) return [];
      const median = micros(instrumented.median.value - base.median.value);
      return [`${system.name}, ${where}: ${median} µs median, ${micros(instrumented.p99.value - base.p99.value)} µs p99`];
    }),
  );
  return parts.length ? [`\`@understudy/otel\` on the understudy row's chain adds per call — ${parts.join("; ")}.`] : [];
}

/** Happy-path overhead: in-process on the instant fake, and over HTTP to the fault server. */
export async function overheadScenario(context: BenchContext): Promise<ScenarioResult> {
  const [plain] = context.systems;
  if (!plain) throw new Error("no systems");
  const inProcessSystems = context.systems.filter((system) => !system.notInProcess);
  context.progress("overhead: in-process, instant fake model");
  const inProcess = await measureLatency(
    [
      ...(await systemTimers(inProcessSystems, instantEndpoint)),
      cancellableSdkTimer(instantEndpoint),
      bareAdapterTimer(instantEndpoint),
      ...engineTimers(),
    ],
    context.sizes.latency,
  );
  context.progress("overhead: HTTP, fault server");
  await context.server.clearLog();
  const httpEndpoint: ModelEndpoint = { baseURL: context.server.openaiBaseURL };
  const overHttp = await measureLatency(
    [...(await systemTimers(context.systems, httpEndpoint)), cancellableSdkTimer(httpEndpoint)],
    context.sizes.httpLatency,
  );
  await context.server.clearLog();

  const plainIn = find(inProcess, plain.name);
  const plainHttp = find(overHttp, plain.name);
  const understudyIn = find(inProcess, "understudy");
  const understudyHttp = find(overHttp, "understudy");
  const bareAdapter = find(inProcess, "bare @understudy/openai adapter");
  const engineAlone = find(inProcess, "understudy over instant ModelAdapter");
  const instantAlone = find(inProcess, "instant ModelAdapter alone");
  const langchainIn = find(inProcess, "LangChain RunnableWithFallbacks");
  const portkeyHttp = find(overHttp, "Portkey gateway");

  const cancellable = find(inProcess, cancellableSdkName);
  const overAdapter = understudyIn.median.value - bareAdapter.median.value;
  const understudyAdded = added(understudyIn, plainIn);
  const langchainRatio = added(langchainIn, plainIn) / understudyAdded;
  // understudy's few µs drown in the network's jitter over HTTP, while its
  // code is the same either way: its in-process figure decides, and the HTTP
  // one is shown beside it.
  const portkeyAdded = added(portkeyHttp, plainHttp);
  const portkeyRatio = portkeyAdded / understudyAdded;
  const goals: Goal[] = [
    {
      goal: "happy path: ≤ 5 µs median over the bare adapter call, in-process",
      figure: `${micros(overAdapter)} µs over the bare @understudy/openai adapter (engine alone over an instant ModelAdapter: ${micros(added(engineAlone, instantAlone))} µs)`,
      met: overAdapter <= 5,
    },
    {
      goal: "happy path: ≥ 20× less added time than LangChain",
      figure: `LangChain adds ${micros(added(langchainIn, plainIn))} µs, understudy ${micros(understudyAdded)} µs over the plain SDK in-process: ${ratio(langchainRatio)}. Of understudy's, ${micros(added(cancellable, plainIn))} µs is the SDK handling the abort signal every cancellable call passes, and ${micros(overAdapter)} µs the engine; against the engine alone: ${ratio(added(langchainIn, plainIn) / overAdapter)}`,
      met: langchainRatio >= 20,
    },
    {
      goal: "happy path: ≥ 100× less added time than the Portkey gateway hop",
      figure: `Portkey adds ${micros(portkeyAdded)} µs over HTTP, understudy ${micros(understudyAdded)} µs in-process: ${ratio(portkeyRatio)} (understudy over HTTP: ${micros(added(understudyHttp, plainHttp))} µs, within the network's jitter: ${ratio(portkeyAdded / added(understudyHttp, plainHttp))})`,
      met: portkeyRatio >= 100,
    },
  ];
  const excluded = context.systems
    .filter((system) => system.notInProcess)
    .map((system) => `${system.name} (${system.notInProcess})`);
  return {
    section: {
      title: "1. Happy-path overhead",
      method: [
        `Sequential calls, one at a time: ${context.sizes.latency.warmup} warm-up calls per system, then ${context.sizes.latency.rounds} rounds of ${context.sizes.latency.callsPerRound} timed calls in-process`,
        `(${context.sizes.httpLatency.rounds} × ${context.sizes.httpLatency.callsPerRound} over HTTP, after ${context.sizes.httpLatency.warmup} warm-up calls), the systems taking turns in a rotating order within each round.`,
        "Median and p99 are over all timed calls; the brackets give the lowest and highest round figure.",
        "*Added* is the system's figure minus the plain openai SDK's. **In-process** every system's SDK gets an instant fake `fetch` (no socket);",
        "The last rows are floors, not systems: the plain SDK given an `AbortSignal` (the openai SDK composes it with its own on every request, which every cancellable call pays),",
        "understudy's adapter called bare, and the engine alone over a `ModelAdapter` that answers at once, against that adapter called directly.",
        "**Over HTTP** every call goes to the fault server (in its own process) on loopback.",
      ].join(" "),
      tables: [overheadTable(inProcess, plainIn), overheadTable(overHttp, plainHttp)],
      notes: [
        `In-process table first, HTTP table second. Not in the in-process table: ${excluded.join(", ") || "none"}.`,
        ...otelNote(inProcess, overHttp),
      ],
    },
    goals,
    chart: {
      title: "Added time per call over the plain openai SDK, median µs (log scale)",
      bars: [
        ...chartBars(inProcess, plainIn, inProcessSystems, "in-process"),
        ...chartBars(overHttp, plainHttp, context.systems, "HTTP"),
      ],
    },
  };
}
