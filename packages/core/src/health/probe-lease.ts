/**
 * The half-open probe of one model, held by one request. Whoever takes it
 * owns it until its outcome is recorded or it is released: the walk of the
 * chain releases it in `finally`, so a probe that never made its call (a full
 * bulkhead, the caller's abort, the deadline) hands the model back at once
 * instead of keeping every request off it until the lease runs out.
 */
export class ProbeLease {
  private settled = false;
  private readonly handBack: () => void;

  /** @param handBack - returns the probe to the model's health when no outcome was recorded */
  constructor(handBack: () => void) {
    this.handBack = handBack;
  }

  /** Claims the probe's one outcome: true the first time, false once it was recorded or released. */
  settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    return true;
  }

  /** Hands the probe back unless an outcome was recorded. Safe to call more than once. */
  release(): void {
    if (this.settle()) this.handBack();
  }
}
