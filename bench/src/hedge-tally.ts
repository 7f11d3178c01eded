import type { Fallback } from "@understudy/core";

/**
 * What an understudy chain said about its hedges, from its events
 * (`hedgeStart`, `hedgeEnd`, `hedgeSkip`): its own account, which the fault
 * server's log checks from outside (see call-races.ts).
 */
export class HedgeTally {
  /** Hedges started. */
  started = 0;
  /** Hedges whose call, not the slow model's, delivered first. */
  wonByHedge = 0;
  /** Hedges that were due but did not go, by the chain's reason (`budget`, `unavailable`, …). */
  readonly skipped = new Map<string, number>();
  /** The delay of each hedge started, in ms: the learned one moves. */
  readonly afterMs: number[] = [];

  constructor(chain: Fallback) {
    chain.on("hedgeStart", (event) => {
      this.started++;
      this.afterMs.push(event.afterMs);
    });
    chain.on("hedgeEnd", (event) => {
      if (event.winner === event.to) this.wonByHedge++;
    });
    chain.on("hedgeSkip", (event) => {
      this.skipped.set(event.reason, (this.skipped.get(event.reason) ?? 0) + 1);
    });
  }

  /** Forgets the warm-up's hedges. */
  reset(): void {
    this.started = 0;
    this.wonByHedge = 0;
    this.skipped.clear();
    this.afterMs.length = 0;
  }
}
