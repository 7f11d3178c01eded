import { ascending, quantile, type Spread, spreadOf } from "./stats.ts";

/** Something to time: one call per sample. */
export interface Timed {
  readonly name: string;
  /** One call. With `untilFirstText`, it calls back at its first text, and the time to that is recorded. */
  readonly call: (onFirstText: () => void) => Promise<unknown>;
  /** Record the time to the first text instead of to the end. */
  readonly untilFirstText?: boolean;
}

/** How many calls to make. */
export interface LatencyPlan {
  /** Calls per contender before anything is recorded (JIT, connection pools). */
  readonly warmup: number;
  /** Recorded calls per contender per round. */
  readonly callsPerRound: number;
  /** Rounds; the contenders take turns within each, in a rotating order, so drift hits all alike. */
  readonly rounds: number;
}

/** Latency of one contender, in µs. */
export interface Latency {
  readonly name: string;
  /** Median per call, with the spread of the round medians. */
  readonly median: Spread;
  /** 99th percentile per call, with the spread of the round p99s. */
  readonly p99: Spread;
}

/**
 * Lets the event loop turn, outside the timed calls, as it does between
 * requests in a server: work a system defers to it (an exporter's callback)
 * runs then. In-process, the calls themselves may never yield to it.
 */
function turnEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function timeCalls(timed: Timed, count: number): Promise<number[]> {
  const micros: number[] = [];
  let firstText = 0n;
  const onFirstText = () => {
    firstText = process.hrtime.bigint();
  };
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await timed.call(onFirstText);
    const end = timed.untilFirstText ? firstText : process.hrtime.bigint();
    micros.push(Number(end - start) / 1_000);
  }
  return micros;
}

/** Times sequential calls of each contender, interleaved by round. */
export async function measureLatency(timed: readonly Timed[], plan: LatencyPlan): Promise<Latency[]> {
  for (const contender of timed) {
    for (let done = 0; done < plan.warmup; done += plan.callsPerRound) {
      await timeCalls(contender, Math.min(plan.callsPerRound, plan.warmup - done));
      await turnEventLoop();
    }
  }
  const samples = timed.map(() => [] as number[]);
  const roundMedians = timed.map(() => [] as number[]);
  const roundP99s = timed.map(() => [] as number[]);
  for (let round = 0; round < plan.rounds; round++) {
    for (let turn = 0; turn < timed.length; turn++) {
      const index = (round + turn) % timed.length;
      const micros = ascending(await timeCalls(timed[index] as Timed, plan.callsPerRound));
      samples[index]?.push(...micros);
      roundMedians[index]?.push(quantile(micros, 0.5));
      roundP99s[index]?.push(quantile(micros, 0.99));
      await turnEventLoop();
    }
  }
  return timed.map(({ name }, index) => {
    const all = ascending(samples[index] ?? []);
    return {
      name,
      median: { ...spreadOf(roundMedians[index] ?? []), value: quantile(all, 0.5) },
      p99: { ...spreadOf(roundP99s[index] ?? []), value: quantile(all, 0.99) },
    };
  });
}
