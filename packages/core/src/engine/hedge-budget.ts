/**
 * The chain's allowance of hedges, a token bucket in the manner of gRPC's
 * retry throttling: each request earns `share` of a hedge, each hedge spends
 * one, and the bucket holds at most `burst`. Over any run of N requests the
 * chain starts at most `burst + share × N` hedges, whatever the providers do:
 * a provider slow for everyone cannot double the traffic. Per process.
 */
export class HedgeBudget {
  private tokens: number;
  private readonly share: number;
  private readonly burst: number;

  /**
   * @param share - hedges earned per request, from 0 to 1
   * @param burst - the most the bucket holds (and holds at the start)
   */
  constructor(share: number, burst: number) {
    this.share = share;
    this.burst = burst;
    this.tokens = burst;
  }

  /** A request started: the budget grows by its share. */
  earn(): void {
    this.tokens = Math.min(this.burst, this.tokens + this.share);
  }

  /** Spends one hedge when the budget holds one; false when it is spent. */
  trySpend(): boolean {
    // A share like 0.1 adds up to 0.9999999999999999 after ten requests: one hedge earned is one hedge.
    if (this.tokens < 1 - 1e-9) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }
}
