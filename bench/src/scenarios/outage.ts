import type { BenchContext } from "../bench-context.ts";
import { budget, outageBreaker } from "../budget.ts";
import type { Contender, System } from "../contender.ts";
import { type Goal, micros, type ScenarioResult } from "../report.ts";
import { median } from "../stats.ts";

interface Traffic {
  sent: number;
  answered: number;
  readonly answerMs: number[];
  readonly settled: Promise<unknown>[];
}

function send(contender: Contender, traffic: Traffic): void {
  const start = performance.now();
  traffic.sent++;
  traffic.settled.push(
    contender.generate(budget.prompt).then(
      () => {
        traffic.answered++;
        traffic.answerMs.push(performance.now() - start);
      },
      () => undefined,
    ),
  );
}

/** Steady traffic at `ratePerSecond` to every contender at once, for `durationMs`. */
async function steadyTraffic(contenders: readonly Contender[], ratePerSecond: number, durationMs: number): Promise<Traffic[]> {
  const traffic = contenders.map((): Traffic => ({ sent: 0, answered: 0, answerMs: [], settled: [] }));
  const ticks = Math.round((durationMs / 1000) * ratePerSecond);
  await new Promise<void>((resolve) => {
    let tick = 0;
    const timer = setInterval(() => {
      for (const [index, contender] of contenders.entries()) send(contender, traffic[index] as Traffic);
      if (++tick >= ticks) {
        clearInterval(timer);
        resolve();
      }
    }, 1000 / ratePerSecond);
  });
  await Promise.all(traffic.flatMap((t) => t.settled));
  return traffic;
}

/** Outage waste: primary attempts per request while the primary is down, under steady traffic. */
export async function outageScenario(context: BenchContext): Promise<ScenarioResult> {
  const { outageMs, outageRatePerSecond } = context.sizes;
  const breaker = outageBreaker(outageMs);
  const primaryOf = (index: number) => `outage-primary-${index}`;
  const endpoint = { baseURL: context.server.openaiBaseURL };
  const contenders = await Promise.all(
    context.systems.map((system, index) => system.create({ endpoint, primary: primaryOf(index), backup: "backup", breaker })),
  );
  // One warm-up request each before the outage, so no system pays its first connection in it.
  await Promise.all(contenders.map((contender) => contender.generate(budget.prompt)));
  const from = Date.now() + 50;
  const to = from + outageMs;
  // The primaries stay down a minute past the traffic, so that a probe sent
  // as the last requests settle still finds them down.
  await Promise.all(context.systems.map((_, index) => context.server.outage(primaryOf(index), from, to + 60_000)));
  await new Promise((resolve) => setTimeout(resolve, from - Date.now()));
  context.progress(`outage: ${outageMs / 1000} s, ${outageRatePerSecond} requests/s to each system at once`);
  const traffic = await steadyTraffic(contenders, outageRatePerSecond, outageMs);
  const attempts = await Promise.all(context.systems.map((_, index) => context.server.count(primaryOf(index), from, Date.now())));
  await context.server.clearLog();

  const intervals = outageMs / breaker.halfOpenAfterMs;
  const rows = context.systems.map((system: System, index) => {
    const t = traffic[index] as Traffic;
    const primaryCalls = attempts[index] ?? 0;
    return [
      system.name,
      system.breaker.how,
      String(t.sent),
      `${((100 * t.answered) / t.sent).toFixed(1)} %`,
      String(primaryCalls),
      (primaryCalls / t.sent).toFixed(3),
      micros(median(t.answerMs) * 1000),
    ];
  });
  const understudyIndex = context.systems.findIndex((system) => system.name === "understudy");
  const understudyCalls = attempts[understudyIndex] ?? Number.NaN;
  const understudySent = traffic[understudyIndex]?.sent ?? Number.NaN;
  // A breaker spends `failures` calls to open, then one probe per interval.
  const expected = breaker.failures + Math.ceil(intervals);
  const goals: Goal[] = [
    {
      goal: "outage waste: about one probe per half-open interval",
      figure: `understudy: ${understudyCalls} primary calls for ${understudySent} requests (${(understudyCalls / understudySent).toFixed(3)} per request); ${breaker.failures} to open the breaker + ${Math.ceil(intervals)} intervals = ${expected} expected`,
      met: understudyCalls <= expected + 2,
    },
  ];
  return {
    section: {
      title: "3. Outage waste",
      method: [
        `The primary answers 503 to everything for ${outageMs / 1000} s while every system sends ${outageRatePerSecond} requests a second, all at once against one fault server (each system its own primary model).`,
        `Breakers, where a system has one, open after ${breaker.failures} consecutive failures and probe every ${breaker.halfOpenAfterMs} ms (${Math.round(intervals)} intervals in the outage).`,
        "*Primary calls* is what the fault server saw for that system's primary during the outage: the waste.",
        "*Median answer* is the time to an answer during the outage, in µs.",
      ].join(" "),
      tables: [
        {
          head: ["system", "breaker", "requests", "answered", "primary calls", "per request", "median answer µs"],
          rows,
        },
      ],
      notes: [
        `A breaker that probes once per interval costs ${breaker.failures} + ${Math.ceil(intervals)} = ${expected} primary calls here.`,
      ],
    },
    goals,
  };
}
