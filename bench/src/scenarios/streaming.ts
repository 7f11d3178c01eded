import type { FaultStep } from "@understudy/testing";
import type { BenchContext } from "../bench-context.ts";
import { budget } from "../budget.ts";
import type { Contender } from "../contender.ts";
import { type Latency, measureLatency } from "../latency.ts";
import { type Goal, micros, ratio, type ScenarioResult } from "../report.ts";

/** What a caller got from a stream that broke after three tokens. */
async function outcomeOf(contender: Contender): Promise<string> {
  try {
    const text = await contender.stream(budget.prompt, () => undefined);
    return `returned as success: "${text.trim()}"`;
  } catch (error) {
    const name = error instanceof Error ? error.constructor.name : typeof error;
    return `error: ${name}`;
  }
}

const brokenStreams: readonly { readonly label: string; readonly step: FaultStep }[] = [
  { label: "clean end after 3 tokens, no finish", step: { cutAfterTokens: 3 } },
  // Not a connection reset: a reset can drop tokens still unread in the client's
  // buffer, so whether the caller saw any would be down to timing.
  { label: "error event after 3 tokens", step: { streamFailure: { failure: "overloaded", afterTokens: 3 } } },
];

/** Time to first token through each system, and what each does with a stream that breaks mid-answer. */
export async function streamingScenario(context: BenchContext): Promise<ScenarioResult> {
  const endpoint = { baseURL: context.server.openaiBaseURL };
  context.progress("streaming: time to first token");
  const timers = await Promise.all(
    context.systems.map(async (system) => {
      const contender = await system.create({ endpoint, primary: "primary", backup: "backup", breaker: undefined });
      return {
        name: system.name,
        untilFirstText: true,
        call: (onFirstText: () => void) => contender.stream(budget.prompt, onFirstText),
      };
    }),
  );
  const firstToken = await measureLatency(timers, context.sizes.httpLatency);
  await context.server.clearLog();

  context.progress("streaming: broken streams");
  const outcomes: string[][] = [];
  for (const [index, broken] of brokenStreams.entries()) {
    const primary = `broken-stream-${index}`;
    await context.server.script(primary, broken.step);
    outcomes.push(
      await Promise.all(
        context.systems.map(async (system) =>
          outcomeOf(await system.create({ endpoint, primary, backup: "backup", breaker: undefined })),
        ),
      ),
    );
  }
  await context.server.clearLog();

  const plain = firstToken[0] as Latency;
  const understudyIndex = context.systems.findIndex((system) => system.name === "understudy");
  const understudy = firstToken[understudyIndex] as Latency;
  const goals: Goal[] = [
    {
      goal: "streaming: time to first token (no numeric goal; reported beside the plain SDK)",
      figure: `understudy ${micros(understudy.median.value)} µs median, plain SDK ${micros(plain.median.value)} µs (${ratio(understudy.median.value / plain.median.value)})`,
      met: undefined,
    },
    {
      goal: "streaming: a stream that dies mid-answer is never returned as success",
      figure: outcomes.map((row, index) => `${brokenStreams[index]?.label}: understudy → ${row[understudyIndex]}`).join("; "),
      met: outcomes.every((row) => !row[understudyIndex]?.startsWith("returned as success")),
    },
  ];
  return {
    section: {
      title: "5. Streaming",
      method: [
        "Time from the call to the first text delta through each system over HTTP (the fault server streams its answer at once, token by token);",
        `${context.sizes.httpLatency.rounds} rounds of ${context.sizes.httpLatency.callsPerRound} streams, as in the overhead scenario.`,
        "Then one stream per system whose primary breaks after 3 tokens, the backup healthy: what the caller got.",
      ].join(" "),
      tables: [
        {
          head: [
            "system",
            "first token µs (round medians)",
            "p99 µs",
            "added µs",
            ...brokenStreams.map((broken) => broken.label),
            "after the first text",
          ],
          rows: context.systems.map((system, index) => {
            const latency = firstToken[index] as Latency;
            return [
              system.name,
              `${micros(latency.median.value)} (${micros(latency.median.low)}–${micros(latency.median.high)})`,
              micros(latency.p99.value),
              index === 0 ? "floor" : micros(latency.median.value - plain.median.value),
              ...outcomes.map((row) => row[index] ?? ""),
              system.midStream,
            ];
          }),
        },
      ],
    },
    goals,
  };
}
