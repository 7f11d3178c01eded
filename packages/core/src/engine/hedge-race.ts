import type { AttemptContext } from "./run-attempt.ts";

/**
 * The calls of one hedge: the slow model's and the one started beside it.
 * The first to deliver claims the win, at once and once: JavaScript runs one
 * claim at a time, so two parts arriving in the same tick cannot both win.
 * The claim aborts every other call of the race.
 */
export class HedgeRace {
  private readonly contestants: AttemptContext[] = [];
  private winning: AttemptContext | undefined;
  private calledOff = false;

  /** Enters a call into the race. */
  join(context: AttemptContext): void {
    this.contestants.push(context);
  }

  /** Whether a call has won, or the race was called off. */
  get decided(): boolean {
    return this.winning !== undefined || this.calledOff;
  }

  /** The chain id of the winning model, once one won. */
  get winner(): string | undefined {
    return this.winning?.slot.id;
  }

  /**
   * Claims the win for `context`: true for the first call to claim (and for
   * it again), false for any other. The first claim aborts the other calls.
   */
  claim(context: AttemptContext): boolean {
    if (this.winning) return this.winning === context;
    if (this.calledOff) return false;
    this.winning = context;
    this.abortAllBut(context);
    return true;
  }

  /** Ends the race without a winner (the request surfaces a failure): every call still running is aborted. */
  callOff(): void {
    if (this.decided) return;
    this.calledOff = true;
    this.abortAllBut(undefined);
  }

  /** Whether `context` was aborted by the race: another call won, or the race was called off. */
  lost(context: AttemptContext): boolean {
    return this.decided && this.winning !== context;
  }

  private abortAllBut(keep: AttemptContext | undefined): void {
    for (const other of this.contestants) if (other !== keep) other.scope.abort("hedge-lost");
  }
}
