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
}

/** What every scenario gets. */
export interface BenchContext {
  readonly systems: readonly System[];
  readonly server: RemoteFaultServer;
  readonly sizes: RunSizes;
  /** Progress to the terminal (stderr), not part of the report. */
  readonly progress: (line: string) => void;
}
