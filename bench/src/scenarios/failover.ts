import type { BenchContext } from "../bench-context.ts";
import { budget } from "../budget.ts";
import type { ModelEndpoint, System } from "../contender.ts";
import { downModelPrefix } from "../instant-fetch.ts";
import { type Latency, measureLatency, type Timed } from "../latency.ts";
import { type Goal, micros, type ScenarioResult, type Table } from "../report.ts";
import { instantEndpoint } from "./overhead.ts";

async function failoverTimers(systems: readonly System[], plain: System, endpoint: ModelEndpoint): Promise<Timed[]> {
  const failing = await Promise.all(
    systems.map(async (system) => {
      const contender = await system.create({ endpoint, primary: downModelPrefix, backup: "backup", breaker: undefined });
      return { name: system.name, call: () => contender.generate(budget.prompt) };
    }),
  );
  // The backup's own time: the plain SDK asking the backup directly.
  const backupAlone = await plain.create({ endpoint, primary: "backup", backup: "backup", breaker: undefined });
  return [{ name: "backup alone", call: () => backupAlone.generate(budget.prompt) }, ...failing];
}

function failoverTable(inProcess: readonly Latency[], overHttp: readonly Latency[]): Table {
  const floorIn = inProcess[0] as Latency;
  const floorHttp = overHttp[0] as Latency;
  return {
    head: ["system", "in-process: answer µs", "in-process: failover cost µs", "HTTP: answer µs", "HTTP: failover cost µs"],
    rows: overHttp.map((http, index) => {
      const local = inProcess.find((latency) => latency.name === http.name);
      const first = index === 0;
      return [
        first ? "backup alone (plain SDK)" : http.name,
        local ? micros(local.median.value) : "– (HTTP only)",
        first ? "floor" : local ? micros(local.median.value - floorIn.median.value) : "–",
        micros(http.median.value),
        first ? "floor" : micros(http.median.value - floorHttp.median.value),
      ];
    }),
  };
}

/** Failover cost: the primary answers 503 at once, the backup is healthy; time to the answer minus the backup's own. */
export async function failoverScenario(context: BenchContext): Promise<ScenarioResult> {
  const [plain] = context.systems;
  if (!plain) throw new Error("no systems");
  const withFallback = context.systems.filter((system) => system.fallback);
  const inProcessSystems = withFallback.filter((system) => !system.notInProcess);
  context.progress("failover: in-process, instant fake model");
  const inProcess = await measureLatency(await failoverTimers(inProcessSystems, plain, instantEndpoint), context.sizes.latency);
  context.progress("failover: HTTP, fault server");
  await context.server.script(downModelPrefix, { failure: "overloaded" });
  const httpEndpoint: ModelEndpoint = { baseURL: context.server.openaiBaseURL };
  const overHttp = await measureLatency(await failoverTimers(withFallback, plain, httpEndpoint), context.sizes.httpLatency);
  await context.server.clearLog();

  const cost = (latencies: readonly Latency[], name: string) => {
    const system = latencies.find((latency) => latency.name === name);
    return (system?.median.value ?? Number.NaN) - (latencies[0]?.median.value ?? Number.NaN);
  };
  const roundTrip = overHttp[0]?.median.value ?? Number.NaN;
  const goals: Goal[] = [
    {
      goal: "failover cost ≤ 0.5 ms, in-process (the primary's 503 from the instant fake)",
      figure: `understudy ${micros(cost(inProcess, "understudy"))} µs`,
      met: cost(inProcess, "understudy") <= 500,
    },
    {
      goal: "failover cost ≤ 0.5 ms, over HTTP (the primary's 503 round trip included)",
      figure: `understudy ${micros(cost(overHttp, "understudy"))} µs, of which one loopback round trip on this machine is about ${micros(roundTrip)} µs (the backup's own call)`,
      met: cost(overHttp, "understudy") <= 500,
    },
  ];
  return {
    section: {
      title: "2. Failover cost",
      method: [
        "The primary answers 503 (overloaded) at once; every system is set to fall over on the first 503, with no same-model retry and no breaker",
        "(ai-fallback: `modelResetInterval: 0`, so that each request starts at the primary again), and the backup answers.",
        "Failover cost = the system's median time to the answer − the median time of the plain SDK asking the backup directly.",
        "Over HTTP it includes the primary's 503 round trip, which no system can avoid; in-process the 503 comes from the instant fake.",
        `Same rounds and counts as the overhead scenario. ${plain.name} has no fallback and is not listed.`,
      ].join(" "),
      tables: [failoverTable(inProcess, overHttp)],
    },
    goals,
  };
}
