// pnpm bench: understudy side by side with the libraries users would pick
// instead, in one process run, on one fault server. Prints the report and
// writes RESULTS.md and a chart of the overhead.
import { mkdir, writeFile } from "node:fs/promises";
import type { BenchContext } from "./bench-context.ts";
import { budgetText } from "./budget.ts";
import { barChartSvg } from "./chart.ts";
import type { System } from "./contender.ts";
import { installedVersion, machineText } from "./machine.ts";
import { RemoteFaultServer } from "./remote-fault-server.ts";
import { type Goal, goalsTable, markdownSection, markdownTable, type ScenarioResult } from "./report.ts";
import { parseRunOptions, type RunOptions, type ScenarioName } from "./run-options.ts";
import { failoverScenario } from "./scenarios/failover.ts";
import { heapScenario } from "./scenarios/heap.ts";
import { hedgingScenario } from "./scenarios/hedging.ts";
import { outageScenario } from "./scenarios/outage.ts";
import { overheadScenario } from "./scenarios/overhead.ts";
import { streamingScenario } from "./scenarios/streaming.ts";
import { throughputScenario } from "./scenarios/throughput.ts";
import { aiSdkFallback } from "./systems/ai-sdk-fallback.ts";
import { aiSdkRetry } from "./systems/ai-sdk-retry.ts";
import { aiSdkUnderstudy } from "./systems/ai-sdk-understudy.ts";
import { cockatielByHand } from "./systems/cockatiel-by-hand.ts";
import { langchain } from "./systems/langchain.ts";
import { plainSdk } from "./systems/plain-sdk.ts";
import { portkey } from "./systems/portkey.ts";
import { understudy } from "./systems/understudy.ts";
import { understudyOtel, understudyOtelNoSdk } from "./systems/understudy-otel.ts";

/** The plain SDK first: every ratio is to it. */
const systems: readonly System[] = [
  plainSdk,
  understudy,
  understudyOtel,
  understudyOtelNoSdk,
  cockatielByHand,
  langchain,
  aiSdkRetry,
  aiSdkFallback,
  aiSdkUnderstudy,
  portkey,
];

const scenarios: Record<ScenarioName, (context: BenchContext) => Promise<ScenarioResult>> = {
  overhead: overheadScenario,
  failover: failoverScenario,
  outage: outageScenario,
  throughput: throughputScenario,
  heap: heapScenario,
  streaming: streamingScenario,
  hedging: hedgingScenario,
};

async function versionsTable(): Promise<string> {
  const names = [...new Set(systems.flatMap((system) => system.packages))];
  const versions = await Promise.all(names.map(installedVersion));
  return markdownTable({ head: ["package", "version"], rows: names.map((name, index) => [name, versions[index] ?? ""]) });
}

async function report(options: RunOptions, results: readonly ScenarioResult[], goals: readonly Goal[]): Promise<string> {
  const command = options.quick ? "pnpm bench --quick" : "pnpm bench";
  return [
    "# understudy benchmarks",
    "",
    `Made by \`${command}\` on ${new Date().toISOString().slice(0, 10)}${options.quick ? " — **a quick run: small counts that check the harness, not figures to quote**" : ""}.`,
    "",
    `- **Machine:** ${machineText()}`,
    `- **Scenarios:** ${options.scenarios.join(", ")}`,
    "",
    await versionsTable(),
    "",
    "## The budget",
    "",
    budgetText(options.sizes.outageMs),
    "",
    "## Goals",
    "",
    markdownTable(goalsTable(goals)),
    "",
    ...(results.some((result) => result.chart) ? ["![Added time per call, per system](overhead.svg)", ""] : []),
    ...results.flatMap((result) => [markdownSection(result.section), ""]),
  ].join("\n");
}

/** Runs one scenario with the systems that take part in it, and says under its tables which sat it out and why. */
async function runScenario(name: ScenarioName, context: BenchContext): Promise<ScenarioResult> {
  const result = await scenarios[name]({ ...context, systems: systems.filter((system) => !system.sitsOut?.[name]) });
  const sittingOut = systems.flatMap((system) => {
    const why = system.sitsOut?.[name];
    return why ? [`${system.name}: ${why}`] : [];
  });
  if (sittingOut.length === 0) return result;
  const notes = [...(result.section.notes ?? []), `Not run here: ${sittingOut.join("; ")}.`];
  return { ...result, section: { ...result.section, notes } };
}

async function runScenarios(options: RunOptions): Promise<ScenarioResult[]> {
  const server = await RemoteFaultServer.start();
  const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const context: BenchContext = { systems, server, sizes: options.sizes, progress };
  try {
    const results: ScenarioResult[] = [];
    for (const name of options.scenarios) results.push(await runScenario(name, context));
    return results;
  } finally {
    await Promise.all(systems.map((system) => system.shutdown?.()));
    await server.stop();
  }
}

const options = parseRunOptions(process.argv.slice(2));
const results = await runScenarios(options);
const goals = results.flatMap((result) => result.goals);
const markdown = await report(options, results, goals);
await mkdir(options.outDir, { recursive: true });
await writeFile(new URL("RESULTS.md", options.outDir), markdown);
const chart = results.find((result) => result.chart)?.chart;
if (chart) await writeFile(new URL("overhead.svg", options.outDir), barChartSvg(chart.title, chart.bars));
process.stdout.write(`${markdown}\n`);
process.stderr.write(`[bench] wrote ${new URL("RESULTS.md", options.outDir).pathname}\n`);
