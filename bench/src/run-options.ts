import { parseArgs } from "node:util";
import type { RunSizes } from "./bench-context.ts";

/** The scenarios, in the order they run and are reported. */
export const scenarioNames = ["overhead", "failover", "outage", "throughput", "heap", "streaming", "hedging"] as const;
/** One scenario's name. */
export type ScenarioName = (typeof scenarioNames)[number];

/** What the command line asked for. */
export interface RunOptions {
  readonly quick: boolean;
  readonly sizes: RunSizes;
  readonly scenarios: readonly ScenarioName[];
  /** Folder for RESULTS.md and the chart. */
  readonly outDir: URL;
}

const fullSizes: RunSizes = {
  latency: { warmup: 2_000, callsPerRound: 100, rounds: 100 },
  httpLatency: { warmup: 300, callsPerRound: 20, rounds: 100 },
  outageMs: 60_000,
  outageRatePerSecond: 20,
  throughputMs: 2_000,
  throughputRounds: 3,
  concurrencies: [1, 64, 256],
  heapRequests: 100_000,
  // 60 warm-up requests: three times the 20 samples a learned timer waits for. 10 requests a second per
  // system (about 4 in flight each): all the systems together then stream within what two cores do without queueing.
  hedging: { warmup: 60, requests: 400, ratePerSecond: 10, slowShare: 0.1 },
};

const quickSizes: RunSizes = {
  latency: { warmup: 20, callsPerRound: 50, rounds: 2 },
  httpLatency: { warmup: 10, callsPerRound: 20, rounds: 2 },
  outageMs: 3_000,
  outageRatePerSecond: 20,
  throughputMs: 200,
  throughputRounds: 1,
  concurrencies: [1, 64, 256],
  heapRequests: 2_000,
  // Just the 20 samples a learned timer waits for, so that the quick run still reaches the learned values.
  hedging: { warmup: 20, requests: 40, ratePerSecond: 10, slowShare: 0.1 },
};

export const usage = `pnpm bench [--quick] [--outage-seconds N] [--slow-share P] [--only overhead,failover,…] [--out DIR]

  --quick            small counts: checks the harness works (CI); figures are not meaningful
  --outage-seconds   length of the simulated primary outage (default 60, or 3 with --quick)
  --slow-share       hedging: share of requests, 0 to 1, whose first token from the primary is slow (default 0.1)
  --only             run only these scenarios: ${scenarioNames.join(", ")}
  --out              folder for RESULTS.md and overhead.svg (default: bench/, or bench/results/ with --quick)`;

function fail(message: string): never {
  throw new Error(`${message}\n\n${usage}`);
}

/** Reads the command line; a bad flag is an error that names it and shows the usage. */
export function parseRunOptions(args: readonly string[]): RunOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      quick: { type: "boolean", default: false },
      "outage-seconds": { type: "string" },
      "slow-share": { type: "string" },
      only: { type: "string" },
      out: { type: "string" },
    },
    strict: true,
  });
  const quick = values.quick ?? false;
  let sizes = quick ? quickSizes : fullSizes;
  if (values["outage-seconds"] !== undefined) {
    const seconds = Number(values["outage-seconds"]);
    if (!(seconds >= 1)) fail(`--outage-seconds must be a number of seconds ≥ 1, got "${values["outage-seconds"]}".`);
    sizes = { ...sizes, outageMs: seconds * 1000 };
  }
  if (values["slow-share"] !== undefined) {
    const share = Number(values["slow-share"]);
    if (!(share >= 0 && share <= 1)) fail(`--slow-share must be a share from 0 to 1, got "${values["slow-share"]}".`);
    sizes = { ...sizes, hedging: { ...sizes.hedging, slowShare: share } };
  }
  const scenarios = values.only?.split(",").map((name) => name.trim()) ?? [...scenarioNames];
  for (const name of scenarios) {
    if (!(scenarioNames as readonly string[]).includes(name)) fail(`--only: unknown scenario "${name}".`);
  }
  const benchDir = new URL("../", import.meta.url);
  const outDir = values.out
    ? new URL(`${values.out.replace(/\/?$/, "/")}`, `file://${process.cwd()}/`)
    : new URL(quick ? "results/" : "./", benchDir);
  return { quick, sizes, scenarios: scenarios as ScenarioName[], outDir };
}
