import type { System } from "./contender.ts";
import type { RemoteFaultServer } from "./remote-fault-server.ts";

/** Sizes of a run: the full run, or `--quick` to check the harness. */
export interface RunSizes {
  readonly latency: { readonly warmup: number; readonly callsPerRound: number; readonly rounds: number };
  readonly httpLatency: { readonly warmup: number; readonly callsPerRound: number; readonly rounds: number };
  readonly outageMs: number;
  readonly outageRatePerSecond: number;
  readonly throughputMs: number;
  readonly throughputRounds: number;
  readonly concurrencies: readonly number[];
  readonly heapRequests: number;
  readonly hedging: HedgingSizes;
}

/** The hedging scenario's counts, and its share of slow first tokens. */
export interface HedgingSizes {
  /** Requests per system before the measured ones: enough for the learned rows to have learned. */
  readonly warmup: number;
  /** Measured requests per system. */
  readonly requests: number;
  /** Requests started per second per system, all systems at once. */
  readonly ratePerSecond: number;
  /** Share of requests, from 0 to 1, whose first token from the primary is slow. */
  readonly slowShare: number;
}

/** What every scenario gets. */
export interface BenchContext {
  readonly systems: readonly System[];
  readonly server: RemoteFaultServer;
  readonly sizes: RunSizes;
  /** Progress to the terminal (stderr), not part of the report. */
  readonly progress: (line: string) => void;
}
