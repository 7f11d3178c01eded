const minuteMs = 60_000;
const minutes = 60;

/**
 * Spend over the last rolling hour, in one-minute buckets: a fixed 60 slots
 * whatever the traffic, so memory and each read are constant.
 */
export class HourlySpend {
  private readonly amounts = new Float64Array(minutes);
  private readonly stamps = new Float64Array(minutes).fill(-1);

  /** Adds `amount` spent at epoch ms `now`. */
  add(amount: number, now: number): void {
    const minute = Math.floor(now / minuteMs);
    const slot = minute % minutes;
    if (this.stamps[slot] !== minute) {
      this.stamps[slot] = minute;
      this.amounts[slot] = 0;
    }
    this.amounts[slot] = (this.amounts[slot] ?? 0) + amount;
  }

  /** The spend of the hour ending at epoch ms `now` (to the minute). */
  total(now: number): number {
    const minute = Math.floor(now / minuteMs);
    let sum = 0;
    for (let slot = 0; slot < minutes; slot++) {
      const stamp = this.stamps[slot] ?? -1;
      if (stamp > minute - minutes && stamp <= minute) sum += this.amounts[slot] ?? 0;
    }
    return sum;
  }
}
