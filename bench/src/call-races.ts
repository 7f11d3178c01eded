// What the fault server saw of a chain's calls, request by request: how many
// it got, which ran side by side (a hedge and its model), and how soon the
// loser of such a race was hung up on. Read from outside, so that a system's
// own account of its hedges is checked against the wire.
import { type FirstTokenPlan, firstTokenDelayMs, warmUpBase } from "./first-token-plan.ts";
import type { LoggedCall, RemoteFaultServer } from "./remote-fault-server.ts";
import { ascending } from "./stats.ts";

/** What the fault server saw of one chain's measured requests. */
export interface CallFigures {
  /** Calls to either model. */
  readonly calls: number;
  /** Requests whose second call arrived while the first was still open: hedges, seen from outside. */
  readonly raced: number;
  /** Raced requests whose primary was not one of the slow ones: hedges that bought nothing. */
  readonly racedQuick: number;
  /** Raced requests whose loser the client hung up on, the winner's answer read to its end. */
  readonly losersHungUp: number;
  /** Per such request, ms from the winner's first token (as scripted) to the loser's hang-up, ascending. */
  readonly hangUpLagMs: readonly number[];
  /** Requests whose second call came after the first was cut (hung up on): a timer's cut, then the backup. */
  readonly afterCut: number;
  /** Requests whose second call came after the first had answered: a hedge that lost before the server saw it. */
  readonly afterAnswer: number;
}

/** A chain's two models, and how the fault server draws their first tokens. */
export interface ChainModels {
  readonly primary: { readonly model: string; readonly plan: FirstTokenPlan };
  readonly backup: { readonly model: string; readonly plan: FirstTokenPlan };
}

/**
 * The logged calls to `models` once every one of them has ended, or after
 * 5 s: a loser's hang-up may reach the server a moment after its race was
 * decided, and the last answers after their caller moved on.
 */
export async function settledCalls(server: RemoteFaultServer, models: readonly string[]): Promise<LoggedCall[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const calls = await server.calls(models);
    if (calls.every((call) => call.endTime !== undefined) || Date.now() > deadline) return calls;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Sorts a chain's measured calls (not the warm-up's) by request, and reads
 * each request that took two: raced side by side, or one after the other.
 */
export function callFigures(chain: ChainModels, calls: readonly LoggedCall[], slow: (index: number) => boolean): CallFigures {
  const plans = new Map([chain.primary, chain.backup].map((side) => [side.model, side.plan]));
  const byRequest = new Map<number, LoggedCall[]>();
  let measured = 0;
  for (const call of calls) {
    if (!plans.has(call.model) || call.index === undefined || call.index >= warmUpBase) continue;
    measured++;
    byRequest.set(call.index, [...(byRequest.get(call.index) ?? []), call]);
  }
  let raced = 0;
  let racedQuick = 0;
  let losersHungUp = 0;
  let afterCut = 0;
  let afterAnswer = 0;
  const hangUpLagMs: number[] = [];
  for (const [index, [first, second]] of byRequest) {
    if (!first || !second) continue;
    if (second.time >= (first.endTime ?? Number.POSITIVE_INFINITY)) {
      if (first.clientHungUp) afterCut++;
      else afterAnswer++;
      continue;
    }
    raced++;
    if (!slow(index)) racedQuick++;
    const [loser, winner] = first.clientHungUp ? [first, second] : [second, first];
    if (!loser.clientHungUp || winner.clientHungUp) continue;
    losersHungUp++;
    const plan = plans.get(winner.model);
    // The server sends the winner's first token its scripted delay after the request arrived.
    if (plan) hangUpLagMs.push((loser.endTime ?? Number.NaN) - (winner.time + firstTokenDelayMs(plan, index)));
  }
  return { calls: measured, raced, racedQuick, losersHungUp, hangUpLagMs: ascending(hangUpLagMs), afterCut, afterAnswer };
}
