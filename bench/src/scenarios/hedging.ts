import type { BenchContext } from "../bench-context.ts";
import { budget } from "../budget.ts";
import { type ChainModels, callFigures, settledCalls } from "../call-races.ts";
import type { Contender } from "../contender.ts";
import { type FirstTokenPlan, indexedPrompt, isSlow, warmUpBase } from "../first-token-plan.ts";
import { HedgeTally } from "../hedge-tally.ts";
import { type Goal, ratio, type ScenarioResult } from "../report.ts";
import { ascending, median, quantile } from "../stats.ts";
import { understudyContender } from "../systems/understudy.ts";
import { fixedHedgeMs, hedgingChain, hedgingVariants } from "../systems/understudy-hedging.ts";

/** The pace of every answer after its first token (four tokens: about 150 ms more). */
const tokenDelayMs = 50;

/** The primary's first token: within 100–200 ms, except on a share of requests, where it takes 2–3 s (a busy provider's queue). */
function primaryPlan(slowShare: number): FirstTokenPlan {
  return { slowShare, fastMs: [100, 200], slowMs: [2_000, 3_000], tokenDelayMs, salt: 1 };
}

/** The backup's first token: a healthy model, a little slower than the primary's usual one. */
const backupPlan: FirstTokenPlan = { slowShare: 0, fastMs: [150, 250], slowMs: [150, 250], tokenDelayMs, salt: 2 };

/** The chain's default hedge budget (`hedging`), which the understudy rows keep. */
const hedgeBudget = { maxShare: 0.1, burst: 10 };

/** The slowest first token that counts as quick, in ms: any slow one of the primary is past it. */
const lateMs = 1_000;

/** One row of the table: a system, or one setting of understudy, on its own pair of models. */
interface Row {
  readonly name: string;
  readonly how: string;
  readonly models: ChainModels;
  readonly contender: Contender;
  /** The understudy rows' hedges, as their chain's events told them. */
  readonly hedges?: HedgeTally;
}

/** One request's time to its first text, in ms; `NaN` when it failed before any. */
interface Sample {
  readonly index: number;
  readonly firstTokenMs: number;
}

/** Streams request `index`; resolves with its time to first text once it is read to its end. */
async function timedStream(contender: Contender, index: number): Promise<Sample> {
  const start = performance.now();
  let firstAt = Number.NaN;
  try {
    await contender.stream(indexedPrompt(budget.prompt, index), () => {
      firstAt = performance.now();
    });
    return { index, firstTokenMs: firstAt - start };
  } catch {
    return { index, firstTokenMs: Number.NaN };
  }
}

/**
 * Starts the requests of `indices` on every row, one every 1/`ratePerSecond`
 * s (an open loop, as steady traffic arrives: a slow request holds none back),
 * and resolves with each row's samples once all are read to their end. The
 * rows' starts are spread over each period: request i has the same first-token
 * delay on every row, and started at one instant its first tokens would all
 * land at one instant too, the last row's waiting for the others' work.
 */
async function steadyStreams(rows: readonly Row[], indices: readonly number[], ratePerSecond: number): Promise<Sample[][]> {
  const periodMs = 1000 / ratePerSecond;
  const begin = performance.now();
  return Promise.all(
    rows.map(async (row, position) => {
      const started: Promise<Sample>[] = [];
      for (const [tick, index] of indices.entries()) {
        // Each start is due at a fixed time from the beginning, so that a late timer does not slow the rate.
        const wait = begin + tick * periodMs + (position * periodMs) / rows.length - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        started.push(timedStream(row.contender, index));
      }
      return Promise.all(started);
    }),
  );
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : "–");
const percent = (share: number) => `${(100 * share).toFixed(1)} %`;

/**
 * Hedged requests: the primary's first token is slow on a share of requests,
 * the backup is healthy. Time to first token through each system, and what
 * the cut tail costs in extra calls.
 */
export async function hedgingScenario(context: BenchContext): Promise<ScenarioResult> {
  const { warmup, requests, ratePerSecond, slowShare } = context.sizes.hedging;
  const endpoint = { baseURL: context.server.openaiBaseURL };
  const rows: Row[] = [];
  // Each row its own pair of models, so that the log tells their calls apart while they all run at once.
  const modelsOf = async (index: number) => {
    const models: ChainModels = {
      primary: { model: `hedging-primary-${index}`, plan: primaryPlan(slowShare) },
      backup: { model: `hedging-backup-${index}`, plan: backupPlan },
    };
    await context.server.firstTokens(models.primary.model, models.primary.plan);
    await context.server.firstTokens(models.backup.model, models.backup.plan);
    const setup = { endpoint, primary: models.primary.model, backup: models.backup.model, breaker: undefined };
    return { models, setup };
  };
  for (const system of context.systems) {
    if (system.name !== "understudy") {
      const { models, setup } = await modelsOf(rows.length);
      const how = system.fallback ? "no hedging: waits for the first token" : "the primary only";
      rows.push({ name: system.name, how, models, contender: await system.create(setup) });
      continue;
    }
    for (const variant of hedgingVariants) {
      const { models, setup } = await modelsOf(rows.length);
      const chain = hedgingChain(setup, variant);
      const hedges = new HedgeTally(chain);
      rows.push({ name: variant.name, how: variant.how, models, contender: understudyContender(chain), hedges });
    }
  }

  // The rows run at once, as in the outage scenario: the same seconds of the machine for all.
  context.progress(`hedging: ${warmup} warm-up requests per system, ${ratePerSecond} a second`);
  await steadyStreams(
    rows,
    Array.from({ length: warmup }, (_, index) => warmUpBase + index),
    ratePerSecond,
  );
  for (const row of rows) row.hedges?.reset();
  context.progress(`hedging: ${requests} requests per system, ${ratePerSecond} a second, all systems at once`);
  const indices = Array.from({ length: requests }, (_, index) => index);
  const samples = await steadyStreams(rows, indices, ratePerSecond);
  const calls = await settledCalls(
    context.server,
    rows.flatMap((row) => [row.models.primary.model, row.models.backup.model]),
  );
  await context.server.clearLog();

  const slow = (index: number) => isSlow(primaryPlan(slowShare), index);
  const slowRequests = indices.filter(slow).length;
  const figures = rows.map((row, index) => {
    const answered = (samples[index] ?? []).filter((sample) => Number.isFinite(sample.firstTokenMs));
    const sorted = ascending(answered.map((sample) => sample.firstTokenMs));
    return {
      p50: quantile(sorted, 0.5),
      p95: quantile(sorted, 0.95),
      p99: quantile(sorted, 0.99),
      late: sorted.filter((value) => value > lateMs).length / requests,
      failed: requests - answered.length,
      calls: callFigures(row.models, calls, slow),
    };
  });
  const plain = figures[0];
  if (!plain) throw new Error("no systems");

  const [off, fixed] = [0, 1].map((variant) => figures[rows.findIndex((row) => row.name === hedgingVariants[variant]?.name)]);
  const backupSlowestMs = backupPlan.fastMs[1];
  const hedgedRows = rows.flatMap((row, index) => (row.hedges && row.hedges.started > 0 ? [index] : []));
  const allowed = hedgeBudget.maxShare * requests + hedgeBudget.burst;
  const lags = hedgedRows.flatMap((index) => figures[index]?.calls.hangUpLagMs ?? []);
  const goals: Goal[] = [
    {
      goal: `hedging: a hedge after ${fixedHedgeMs} ms cuts the slow tail, p99 time to first token ≤ ${fixedHedgeMs} ms + the backup's slowest first token (${backupSlowestMs} ms) + 100 ms`,
      figure: `understudy, hedge after ${fixedHedgeMs} ms: p99 ${ms(fixed?.p99 ?? Number.NaN)} ms; hedging off ${ms(off?.p99 ?? Number.NaN)} ms, plain SDK ${ms(plain.p99)} ms`,
      met: fixed ? fixed.p99 <= fixedHedgeMs + backupSlowestMs + 100 : undefined,
    },
    {
      goal: `hedging: extra calls stay within the hedge budget (${hedgeBudget.maxShare} × requests + a burst of ${hedgeBudget.burst})`,
      figure: hedgedRows
        .map(
          (index) =>
            `${rows[index]?.name}: ${(figures[index]?.calls.calls ?? 0) - requests} extra calls for ${requests} requests`,
        )
        .join("; "),
      met:
        hedgedRows.length === 0
          ? undefined
          : hedgedRows.every((index) => (figures[index]?.calls.calls ?? 0) - requests <= allowed),
    },
    {
      goal: "hedging: every hedge's loser is hung up at once (≤ 100 ms after the winner's first token, as the fault server saw it)",
      figure: `${lags.length} losers hung up of ${hedgedRows.reduce((sum, index) => sum + (figures[index]?.calls.raced ?? 0), 0)} races; after ${ms(median(lags))} ms median, ${ms(lags.at(-1) ?? Number.NaN)} ms at most`,
      met:
        hedgedRows.length === 0
          ? undefined
          : hedgedRows.every((index) => figures[index]?.calls.losersHungUp === figures[index]?.calls.raced) &&
            (lags.at(-1) ?? 0) <= 100,
    },
  ];

  const understudyRows = rows.flatMap((row, index) => (row.hedges ? [{ row, figure: figures[index] }] : []));
  return {
    section: {
      title: "6. Hedged requests",
      method: [
        `Streams to every system at once, each on its own pair of models on the fault server, ${ratePerSecond} requests a second per system,`,
        "the systems' starts spread evenly over each interval (an open loop: a slow request holds none back).",
        `The primary's first token comes after 100–200 ms, but on ${percent(slowShare)} of requests after 2–3 s; the backup's after 150–250 ms; then both send a token every ${tokenDelayMs} ms.`,
        "Which requests are slow, and each delay, is drawn from the request's index, carried in its prompt: every system gets the same slow requests",
        `(${slowRequests} of the ${requests} measured ones here).`,
        `Each system first sends ${warmup} warm-up requests, drawn the same way, so that the learned rows have learned (they wait for 20 samples).`,
        "Time to first token is from the call to the first text delta, in ms; the ratios are to the plain SDK's.",
        "*Calls per request* counts what the fault server received for the system's two models: above 1, the extra calls are hedges or fallbacks.",
      ].join(" "),
      tables: [
        {
          head: [
            "system",
            "setup",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "p50 × plain",
            "p99 × plain",
            `first token > ${lateMs / 1000} s`,
            "calls per request",
            "failed",
          ],
          rows: rows.map((row, index) => {
            const figure = figures[index] as (typeof figures)[number];
            return [
              row.name,
              row.how,
              ms(figure.p50),
              ms(figure.p95),
              ms(figure.p99),
              index === 0 ? "floor" : ratio(figure.p50 / plain.p50),
              index === 0 ? "floor" : ratio(figure.p99 / plain.p99),
              percent(figure.late),
              (figure.calls.calls / requests).toFixed(3),
              String(figure.failed),
            ];
          }),
        },
        {
          head: [
            "understudy",
            "hedges (won by the backup)",
            "hedge delay ms (median, min–max)",
            "hedges skipped (why)",
            "races, on a quick request, losers hung up",
            "loser hung up after ms (median, max)",
            "fell over after a timer's cut",
            "second call after the first had answered",
          ],
          rows: understudyRows.map(({ row, figure }) => {
            const tally = row.hedges as HedgeTally;
            const skipped = [...tally.skipped].map(([reason, count]) => `${count} ${reason}`).join(", ");
            const calls = figure?.calls;
            const lagsOfRow = calls?.hangUpLagMs ?? [];
            const delays = ascending(tally.afterMs);
            return [
              row.name,
              `${tally.started} (${tally.wonByHedge})`,
              delays.length === 0
                ? "–"
                : `${ms(median(delays))} (${ms(delays[0] ?? Number.NaN)}–${ms(delays.at(-1) ?? Number.NaN)})`,
              skipped === "" ? "0" : skipped,
              `${calls?.raced ?? 0}, ${calls?.racedQuick ?? 0}, ${calls?.losersHungUp ?? 0}`,
              lagsOfRow.length === 0 ? "–" : `${ms(median(lagsOfRow))}, ${ms(lagsOfRow.at(-1) ?? Number.NaN)}`,
              String(calls?.afterCut ?? 0),
              String(calls?.afterAnswer ?? 0),
            ];
          }),
        },
      ],
      notes: [
        "None of the other systems hedges: a slow first token is waited out under their attempt timer (30 s). understudy's defaults wait it out too (first-token timer 20 s).",
        `The hedge budget is the chain's default: ${hedgeBudget.maxShare} of a hedge earned per request, at most ${hedgeBudget.burst} saved up; a hedge it refuses shows as skipped (\`budget\`), and that request waits out its slow first token.`,
        "A learned hedge delay is the p95 of a log-normal fit of the primary's recent first tokens, within 250 ms–5 s; a call that lost its hedge counts as what it waited (the delay + the backup's first token), a lower bound of its true time. So the slow tail it learns shrinks as it hedges, and the delay falls below the primary's true p95 (the plain SDK row's p95): the second table gives the delays it used. Cold, before 20 samples, it is the 5 s `maxMs`: slower than the 2–3 s slow first tokens here, so a cold chain hedges nothing until it has learned.",
        "A learned first-token timer is 3 × the estimated p99, at least its 2 s floor: it can only cut a first token later than 2 s, and then the backup's first token follows the cut, so it trims the worst of a 2–3 s tail by a few hundred ms at best. Its cuts show as *fell over after a timer's cut*.",
        "*Races* are requests whose two calls the fault server saw open at once; *on a quick request*, those whose primary would have sent its first token within 200 ms, hedged all the same. *Loser hung up after*: from the winner's first token (its arrival at the fault server + its scripted delay) to the fault server seeing the loser's connection closed.",
      ],
    },
    goals,
  };
}
