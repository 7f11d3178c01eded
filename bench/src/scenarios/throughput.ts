import type { BenchContext } from "../bench-context.ts";
import { budget } from "../budget.ts";
import type { Contender } from "../contender.ts";
import { type Goal, ratio, type ScenarioResult, spreadText } from "../report.ts";
import { type Spread, spreadOf } from "../stats.ts";

interface Run {
  readonly perSecond: number;
  readonly failed: number;
}

/** `concurrency` callers each sending one request after another, for `durationMs`. */
async function closedLoop(contender: Contender, concurrency: number, durationMs: number): Promise<Run> {
  const end = performance.now() + durationMs;
  let answered = 0;
  let failed = 0;
  const caller = async () => {
    while (performance.now() < end) {
      try {
        await contender.generate(budget.prompt);
        answered++;
      } catch {
        failed++;
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, caller));
  return { perSecond: answered / ((performance.now() - start) / 1000), failed };
}

const rounded = (value: number) => value.toFixed(0);

/** Throughput through the fault server at several concurrencies, the systems taking turns each round. */
export async function throughputScenario(context: BenchContext): Promise<ScenarioResult> {
  const { concurrencies, throughputMs, throughputRounds } = context.sizes;
  const endpoint = { baseURL: context.server.openaiBaseURL };
  const contenders = await Promise.all(
    context.systems.map((system) => system.create({ endpoint, primary: "primary", backup: "backup", breaker: undefined })),
  );
  const perRound = contenders.map(() => concurrencies.map(() => [] as number[]));
  const failures = contenders.map(() => 0);
  for (const [level, concurrency] of concurrencies.entries()) {
    context.progress(`throughput: concurrency ${concurrency}`);
    // Warm-up: every system opens its connections at this concurrency once.
    for (const contender of contenders) await closedLoop(contender, concurrency, Math.min(300, throughputMs));
    for (let round = 0; round < throughputRounds; round++) {
      for (let turn = 0; turn < contenders.length; turn++) {
        const index = (round + turn) % contenders.length;
        const run = await closedLoop(contenders[index] as Contender, concurrency, throughputMs);
        perRound[index]?.[level]?.push(run.perSecond);
        failures[index] = (failures[index] ?? 0) + run.failed;
        await context.server.clearLog();
      }
    }
  }
  const spreads: Spread[][] = perRound.map((levels) => levels.map(spreadOf));
  const plain = spreads[0] as Spread[];
  const understudyIndex = context.systems.findIndex((system) => system.name === "understudy");
  const understudy = spreads[understudyIndex] as Spread[];
  const ratios = concurrencies.map((_, level) => (understudy[level]?.value ?? 0) / (plain[level]?.value ?? 1));
  const goals: Goal[] = [
    {
      goal: "throughput ≥ 0.95× the plain SDK's",
      figure: concurrencies
        .map((concurrency, level) => `${ratio(ratios[level] ?? Number.NaN)} at concurrency ${concurrency}`)
        .join(", "),
      met: ratios.every((value) => value >= 0.95),
    },
  ];
  return {
    section: {
      title: "4a. Throughput",
      method: [
        `Closed loop over HTTP to the fault server: N callers, each sending its next request when the last is answered, for ${throughputMs} ms;`,
        `${throughputRounds} rounds per concurrency, the systems taking turns in a rotating order, after a warm-up run each.`,
        "Requests per second: median of the rounds (lowest–highest), and the ratio to the plain SDK.",
        "The fault server runs in its own process on the same machine, so at high concurrency both share its cores.",
      ].join(" "),
      tables: [
        {
          head: ["system", ...concurrencies.flatMap((c) => [`c=${c} req/s`, `c=${c} × plain`]), "failed"],
          rows: context.systems.map((system, index) => [
            system.name,
            ...concurrencies.flatMap((_, level) => {
              const spread = spreads[index]?.[level] as Spread;
              return [spreadText(spread, rounded), ratio(spread.value / (plain[level]?.value ?? 1))];
            }),
            String(failures[index] ?? 0),
          ]),
        },
      ],
    },
    goals,
  };
}
