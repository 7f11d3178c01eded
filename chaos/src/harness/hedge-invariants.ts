import {
  type AttemptRecord,
  type Fallback,
  type FallbackResult,
  type HedgeEndEvent,
  type HedgeOptions,
  type HedgeSkipEvent,
  type HedgeStartEvent,
  type HedgingOptions,
  type LearnedFirstTokenOptions,
  type ModelStatus,
  policyDefaults,
} from "@understudy/core";
import type { RecordedEvent } from "./event-recorder.ts";
import type { CallObservation } from "./observe-call.ts";
import type { Violations } from "./violation.ts";

/** What the hedge and learned-timer checks know of one model of the chain, as configured. */
export interface ModelFacts {
  /** Its chain id. */
  readonly id: string;
  readonly hedge?: HedgeOptions | false;
  readonly learnFirstToken?: boolean | LearnedFirstTokenOptions;
  /** `firstTokenMs` as configured (`undefined`: the default). */
  readonly firstTokenMs?: number | false;
  /** Its bulkhead's size, if it has one. */
  readonly maxConcurrent?: number;
}

/** The chain as the hedge checks see it: its models in order, and the hedge budget in force (when a model hedges). */
export interface ChainFacts {
  readonly models: readonly ModelFacts[];
  readonly hedging: Required<HedgingOptions> | undefined;
}

/** A chain entry's policy fields the checks read. */
export interface EntryFacts {
  readonly id: string;
  readonly hedge?: HedgeOptions | false;
  readonly timeout?: { readonly firstTokenMs?: number | false; readonly learnFirstToken?: boolean | LearnedFirstTokenOptions };
  readonly bulkhead?: { readonly maxConcurrent: number };
}

/** The facts of a chain built from `entries` (in chain order) and its `hedging` option. */
export function chainFacts(entries: readonly EntryFacts[], hedging: HedgingOptions | undefined): ChainFacts {
  const hedges = entries.some((entry) => entry.hedge);
  const defaults = policyDefaults.hedging;
  return {
    models: entries.map((entry) => ({
      id: entry.id,
      ...(entry.hedge === undefined ? {} : { hedge: entry.hedge }),
      ...(entry.timeout?.learnFirstToken === undefined ? {} : { learnFirstToken: entry.timeout.learnFirstToken }),
      ...(entry.timeout?.firstTokenMs === undefined ? {} : { firstTokenMs: entry.timeout.firstTokenMs }),
      ...(entry.bulkhead ? { maxConcurrent: entry.bulkhead.maxConcurrent } : {}),
    })),
    hedging: hedges
      ? {
          maxShare: hedging?.maxShare ?? defaults.maxShare,
          burst: hedging?.burst ?? defaults.burst,
          maxPerRequest: hedging?.maxPerRequest ?? defaults.maxPerRequest,
        }
      : undefined,
  };
}

/** What happened to hedges over a run, for a report (and to see that the suite exercises them). */
export interface HedgeStats {
  requests: number;
  hedges: number;
  wonBySlow: number;
  wonByHedge: number;
  noWinner: number;
  skipped: Record<string, number>;
  lostCalls: number;
  learnedTimeouts: number;
}

/** An empty {@link HedgeStats}. */
export function emptyHedgeStats(): HedgeStats {
  return {
    requests: 0,
    hedges: 0,
    wonBySlow: 0,
    wonByHedge: 0,
    noWinner: 0,
    skipped: {},
    lostCalls: 0,
    learnedTimeouts: 0,
  };
}

/** Adds `more` into `into`. */
export function addHedgeStats(into: HedgeStats, more: HedgeStats): void {
  into.requests += more.requests;
  into.hedges += more.hedges;
  into.wonBySlow += more.wonBySlow;
  into.wonByHedge += more.wonByHedge;
  into.noWinner += more.noWinner;
  into.lostCalls += more.lostCalls;
  into.learnedTimeouts += more.learnedTimeouts;
  for (const [reason, n] of Object.entries(more.skipped)) into.skipped[reason] = (into.skipped[reason] ?? 0) + n;
}

/** One line of {@link HedgeStats}. */
export function describeHedgeStats(stats: HedgeStats): string {
  const skipped = Object.entries(stats.skipped)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(", ");
  return `${stats.hedges} hedges over ${stats.requests} requests (won by the slow model ${stats.wonBySlow}, by the hedge ${stats.wonByHedge}, by neither ${stats.noWinner}; ${stats.lostCalls} calls lost a hedge), due but refused: ${skipped || "none"}; ${stats.learnedTimeouts} learned first-token timeouts`;
}

const learnedTimer = /learned first-token timer \((\d+) ms\)/;

/**
 * Watches a whole chain's hedges: the budget (over any run of requests,
 * hedges ≤ burst + maxShare × requests — checked over every window, not just
 * the whole run), the target's health at the moment each hedge starts (what
 * `chat.health()` says then: closed, not cooling down, a free bulkhead slot),
 * and counts for a report. Constant memory: fit for a long soak.
 */
export class HedgeWatch {
  readonly stats: HedgeStats = emptyHedgeStats();
  private readonly facts: ChainFacts;
  private readonly targets = new WeakMap<object, ModelStatus | undefined>();
  /** The largest (hedges − maxShare × requests) over windows ending now, and over all windows. */
  private running = 0;
  private worst = 0;
  private worstAt = 0;

  constructor(chat: Fallback, facts: ChainFacts) {
    this.facts = facts;
    const share = facts.hedging?.maxShare ?? 0;
    chat.on("requestStart", () => {
      this.stats.requests++;
      this.step(-share);
    });
    chat.on("hedgeStart", (event) => {
      this.stats.hedges++;
      this.step(1);
      this.targets.set(
        event,
        chat.health().find((status) => status.id === event.to),
      );
    });
    chat.on("hedgeEnd", (event) => {
      if (event.winner === undefined) this.stats.noWinner++;
      else if (event.winner === event.from) this.stats.wonBySlow++;
      else this.stats.wonByHedge++;
    });
    chat.on("hedgeSkip", (event) => {
      this.stats.skipped[event.reason] = (this.stats.skipped[event.reason] ?? 0) + 1;
    });
    chat.on("attempt", ({ record }) => {
      if (record.lostHedgeTo !== undefined) this.stats.lostCalls++;
      if (record.kind === "timeout" && learnedTimer.test(record.message ?? "")) this.stats.learnedTimeouts++;
    });
  }

  private step(amount: number): void {
    this.running = Math.max(0, this.running + amount);
    if (this.running > this.worst) {
      this.worst = this.running;
      this.worstAt = this.stats.requests;
    }
  }

  /** The target's health when the hedge `event` started. */
  targetAt(event: HedgeStartEvent): ModelStatus | undefined {
    return this.targets.get(event);
  }

  /** Checks the chain-wide bounds so far. */
  check(v: Violations): void {
    const { hedging } = this.facts;
    if (!hedging) {
      if (this.stats.hedges > 0) v.add("hedged", `${this.stats.hedges} hedges on a chain where no model hedges`);
      return;
    }
    // The budget forgives a deficit of 1e-9 a hedge (float sums of the share): allow as much.
    const slack = 1e-6 * (1 + this.stats.hedges);
    if (this.worst > hedging.burst + slack)
      v.add(
        "hedged",
        `the hedge budget (burst ${hedging.burst}, maxShare ${hedging.maxShare}) was overspent: a run of requests ending at request ${this.worstAt} had ${this.worst.toFixed(3)} more hedges than maxShare × its requests (at most the burst); ${this.stats.hedges} hedges over ${this.stats.requests} requests in all`,
      );
  }
}

/**
 * A hedge from a model with a bulkhead that never ended (no `hedgeEnd` in its
 * call): its slow call was still queued when the request stopped (the known
 * issue `queued-hedge-loser-holds-winner`), and the race was left open.
 */
export function queuedHedgeNeverEnded(events: readonly RecordedEvent[], facts: ChainFacts): boolean {
  return events.some((start) => {
    if (start.name !== "hedgeStart") return false;
    const { from } = start.payload as HedgeStartEvent;
    const queues = facts.models.find((m) => m.id === from)?.maxConcurrent !== undefined;
    return queues && !events.some((end) => end.name === "hedgeEnd" && end.tag === start.tag && end.seq > start.seq);
  });
}

/**
 * A hedge won the race (its content reached the caller) and its call then
 * ended without an answer: a cut the walk must take up by the mid-stream
 * rules — and does not when the hedge's model is passed over for its health,
 * or the cut was the provider's own `aborted` (the known issue
 * `hedge-cut-not-taken-up`).
 */
export function hedgeCutAfterWinning(events: readonly RecordedEvent[]): boolean {
  return events.some((end) => {
    if (end.name !== "hedgeEnd") return false;
    const { to, winner } = end.payload as HedgeEndEvent;
    if (winner !== to) return false;
    const call = events.find((e) => e.name === "attempt" && e.seq > end.seq && recordOf(e).model === to);
    const record = call && recordOf(call);
    return record !== undefined && record.outcome !== "success" && record.lostHedgeTo === undefined;
  });
}

/** What the hedge checks of one call need. */
export interface HedgeExpectations {
  readonly facts: ChainFacts;
  /** The chain's watch, for the target's health at each hedge's start. */
  readonly watch?: HedgeWatch;
}

function recordOf(event: RecordedEvent): AttemptRecord {
  return (event.payload as { record: AttemptRecord }).record;
}

/** The models of this call's chain, in order (`options.models` picks some). */
function requestChain(facts: ChainFacts, options: unknown): readonly ModelFacts[] {
  const models = (options as { models?: unknown } | undefined)?.models;
  if (!Array.isArray(models)) return facts.models;
  return facts.models.filter((m) => models.includes(m.id));
}

function delayProblem(hedge: HedgeOptions, afterMs: number): string | undefined {
  if (hedge.afterMs !== "learned") {
    const want = Math.ceil(hedge.afterMs);
    return afterMs === want ? undefined : `${afterMs} ms, configured ${want} ms`;
  }
  const min = Math.ceil(hedge.minMs ?? policyDefaults.hedge.minMs);
  const max = Math.ceil(hedge.maxMs ?? policyDefaults.hedge.maxMs);
  return afterMs >= min && afterMs <= max ? undefined : `${afterMs} ms, outside its learned bounds ${min}–${max} ms`;
}

/**
 * The hedges of one call: each `hedgeStart` has one `hedgeEnd`, goes from a
 * model that hedges to the next one of the call's chain after its delay
 * (fixed, or learned within bounds) and no sooner, to a model that was
 * closed, not cooling down and with a free bulkhead slot; its call is marked
 * `hedge` (and is no probe); the slow call is a first attempt, no probe; at
 * most one winner, `from` or `to`; the loser is `cancelled`/`aborted` with
 * `lostHedgeTo`, never an answer; a generate's winner answers the call; the
 * winner goes on at once, even when the loser ignores its abort; the result
 * lists the same hedges; no more than `maxPerRequest` of them. And every
 * learned first-token timeout fired within the learned timer's floor and
 * `firstTokenMs`, on a stream that was no probe.
 */
export function checkHedges(
  v: Violations,
  o: CallObservation,
  events: readonly RecordedEvent[],
  expect: HedgeExpectations,
  marginMs: number,
  label: string,
  result: FallbackResult | undefined,
): void {
  const { facts, watch } = expect;
  const chain = requestChain(facts, o.plan.options);
  const position = (id: string) => chain.findIndex((m) => m.id === id);
  const starts = events.filter((e) => e.name === "hedgeStart");
  const ends = events.filter((e) => e.name === "hedgeEnd");
  const skips = events.filter((e) => e.name === "hedgeSkip");
  const attempts = events.filter((e) => e.name === "attempt");
  const maxPerRequest = facts.hedging?.maxPerRequest ?? 0;
  // A stream that holds its parts until its answer passes its checks: content arrives unseen, and the race is claimed
  // by the whole answer, not by its first content.
  const buffered = (o.plan.options as { bufferAnswers?: unknown } | undefined)?.bufferAnswers === true;
  if (starts.length > maxPerRequest)
    v.add("hedged", `${label}: ${starts.length} hedges in one request (maxPerRequest ${maxPerRequest})`);
  // Each hedge's outcome, by its index.
  const winners: ({ from: string; to: string; winner: string | undefined } | undefined)[] = starts.map(() => undefined);

  starts.forEach((start, i) => {
    const { from, to, afterMs } = start.payload as HedgeStartEvent;
    const what = `${label}: hedge ${from} → ${to}`;
    const slow = chain[position(from)];
    if (!slow?.hedge) v.add("hedged", `${what}: ${from} does not hedge, or is not in the call's chain`);
    else {
      const problem = delayProblem(slow.hedge, afterMs);
      if (problem) v.add("hedged", `${what}: its delay was ${problem}`);
    }
    if (position(to) < 0 || position(to) !== position(from) + 1)
      v.add("hedged", `${what}: ${to} is not the model after ${from} in the call's chain`);

    // No sooner than its delay after the slow call was planned (the walk's last step before it, or the call's start).
    const before = events.filter((e) => e.seq < start.seq && (e.name === "attempt" || e.name === "skip")).at(-1);
    const plannedBy = Math.max(o.startedAt, before?.time ?? Number.NEGATIVE_INFINITY);
    if (start.time - plannedBy < afterMs - marginMs)
      v.add(
        "hedged",
        `${what}: started ${start.time - plannedBy} ms after the slow call was due, before its ${afterMs} ms delay`,
      );

    // Never once content reached the caller (a stream), unless a reset made it start over since.
    if (o.plan.method === "stream" && !buffered) {
      const shown = attempts.filter((e) => e.seq < start.seq && recordOf(e).firstContentMs !== undefined).at(-1);
      const reset = shown && events.some((e) => e.name === "reset" && e.seq > shown.seq && e.seq < start.seq);
      if (shown && !reset)
        v.add("hedged", `${what}: started after ${recordOf(shown).model}'s content reached the caller, with no reset since`);
    }

    // The target's health when it started.
    const status = watch?.targetAt(start.payload as HedgeStartEvent);
    if (status) {
      if (status.breaker !== "closed") v.add("hedged", `${what}: ${to} was ${status.breaker} when the hedge went to it`);
      if (status.cooldownUntil !== undefined && status.cooldownUntil > start.time)
        v.add("hedged", `${what}: ${to} was cooling down for ${status.cooldownUntil - start.time} ms more`);
      const size = chain[position(to)]?.maxConcurrent;
      if (size !== undefined && status.inFlight >= size)
        v.add("hedged", `${what}: ${to}'s bulkhead was full (${status.inFlight} of ${size} in flight)`);
    }

    // The two calls' records: the first of each model after the start.
    const after = attempts.filter((e) => e.seq > start.seq);
    const slowEvent = after.find((e) => recordOf(e).model === from);
    const hedgeEvent = after.find((e) => recordOf(e).model === to);
    const slowCall = slowEvent && recordOf(slowEvent);
    const hedgeCall = hedgeEvent && recordOf(hedgeEvent);
    // The slow call may wait in its bulkhead's queue: a race won meanwhile must not wait for it (a known issue).
    const queued = slow?.maxConcurrent !== undefined;

    // One end, before the next hedge.
    const nextSeq = starts[i + 1]?.seq ?? Number.POSITIVE_INFINITY;
    const own = ends.filter((e) => e.seq > start.seq && e.seq < nextSeq);
    if (own.length !== 1) {
      v.add(
        "hedged",
        `${what}: ${own.length} hedgeEnd events (must be 1)`,
        queued && !slowCall ? "queued-hedge-loser-holds-winner" : undefined,
      );
      return;
    }
    const end = own[0] as RecordedEvent;
    const ended = end.payload as HedgeEndEvent;
    if (ended.from !== from || ended.to !== to) v.add("hedged", `${what}: ended as ${ended.from} → ${ended.to}`);
    const { winner } = ended;
    winners[i] = { from, to, winner };
    if (winner !== undefined && winner !== from && winner !== to) v.add("hedged", `${what}: won by ${winner}`);

    if (!hedgeCall) v.add("hedged", `${what}: no attempt record of the hedge's call`);
    else {
      if (hedgeCall.hedge !== true) v.add("hedged", `${what}: the call to ${to} is not marked hedge`);
      if (hedgeCall.probe) v.add("hedged", `${what}: the hedge's call was a half-open probe`);
    }
    if (slowCall && (slowCall.attempt !== 1 || slowCall.hedge === true || slowCall.probe))
      v.add(
        "hedged",
        `${what}: hedged from attempt ${slowCall.attempt}${slowCall.hedge ? " (itself a hedge)" : ""}${slowCall.probe ? " (a probe)" : ""}`,
      );
    if (winner === undefined) return;
    const [won, lost, wonEvent] = winner === from ? [slowCall, hedgeCall, slowEvent] : [hedgeCall, slowCall, hedgeEvent];
    if (lost?.outcome === "success") v.add("hedged", `${what}: won by ${winner}, yet the other call answered too`);
    if (lost?.lostHedgeTo !== undefined && lost.lostHedgeTo !== winner)
      v.add("hedged", `${what}: won by ${winner}, its loser says it lost to ${lost.lostHedgeTo}`);
    if (!won || !wonEvent) return;
    if (won.lostHedgeTo !== undefined) v.add("hedged", `${what}: the winner ${winner}'s call is recorded as lost`);
    // A `generate`'s answer claims the race, and so does a stream's whose parts are held until its checks pass.
    const claimedAt =
      o.plan.method === "generate" || buffered
        ? won.outcome === "success"
          ? wonEvent.time
          : undefined
        : won.firstContentMs === undefined
          ? undefined
          : won.startedAt + won.firstContentMs;
    // The slow call began only after the race was won (it was queued), or never did.
    const lateLoser = queued && winner === to && (!lost || (claimedAt !== undefined && lost.startedAt >= claimedAt));
    const known = lateLoser ? "queued-hedge-loser-holds-winner" : undefined;
    if (o.plan.method === "generate") {
      if (won.outcome !== "success") v.add("hedged", `${what}: ${winner} won a generate's hedge with no answer (${won.outcome})`);
      else if (!result || result.model !== winner)
        v.add(
          "hedged",
          `${what}: ${winner} won a generate's hedge with its answer, the call ${result ? `answered from ${result.model}` : "failed"}`,
          known,
        );
    } else if (!buffered && (won.outcome === "success" || won.outcome === "failure") && won.firstContentMs === undefined)
      v.add("hedged", `${what}: ${winner} won a stream's hedge without first content`);
    // The winner goes on at once: a loser deaf to its abort (or still queued) must not hold the answer back.
    if (claimedAt !== undefined && end.time - claimedAt > marginMs)
      v.add(
        "hedged",
        `${what}: the race was won at ${claimedAt - o.startedAt} ms, decided only ${end.time - claimedAt} ms later${lost ? ` (the loser's call started at ${lost.startedAt - o.startedAt} ms)` : ""}`,
        known,
      );
  });

  // Every call marked hedge is the `to` of a hedge of this call.
  const hedgeCalls = attempts.map(recordOf).filter((r) => r.hedge === true);
  for (const model of new Set(hedgeCalls.map((r) => r.model))) {
    const calls = hedgeCalls.filter((r) => r.model === model).length;
    const started = starts.filter((s) => (s.payload as HedgeStartEvent).to === model).length;
    if (calls !== started) v.add("hedged", `${label}: ${calls} calls to ${model} marked hedge, ${started} hedges to it`);
  }

  // A lost call: cancelled, aborted, to a winner of one of this call's hedges it ran in, with no content shown.
  for (const record of attempts.map(recordOf)) {
    if (record.lostHedgeTo === undefined) continue;
    const what = `${label}: ${record.model}'s call lost its hedge to ${record.lostHedgeTo}`;
    if (record.outcome !== "cancelled" || record.kind !== "aborted")
      v.add("hedged", `${what}, recorded ${record.outcome} ${record.kind ?? ""} (must be cancelled, aborted)`);
    if (record.firstContentMs !== undefined && !buffered) v.add("hedged", `${what}, after its first content`);
    const race = winners.find(
      (w) =>
        w !== undefined &&
        w.winner === record.lostHedgeTo &&
        (w.from === record.model || w.to === record.model) &&
        w.winner !== record.model,
    );
    if (!race) v.add("hedged", `${what}: no hedge of the call was won so`);
  }

  for (const skip of skips) {
    const { from, to, reason } = skip.payload as HedgeSkipEvent;
    if (!["unsupported", "unavailable", "bulkhead_full", "budget"].includes(reason))
      v.add("hedged", `${label}: hedgeSkip with reason ${String(reason)}`);
    if (!chain[position(from)]?.hedge || position(to) !== position(from) + 1)
      v.add("hedged", `${label}: hedgeSkip ${from} → ${to} is no hedge this chain could make`);
  }

  if (result) {
    const told = result.hedges.map((h) => `${h.from}→${h.to} after ${h.afterMs} won by ${h.winner ?? "nobody"}`);
    const seen = starts.map((s, i) => {
      const { from, to, afterMs } = s.payload as HedgeStartEvent;
      return `${from}→${to} after ${afterMs} won by ${winners[i]?.winner ?? "nobody"}`;
    });
    if (told.join("; ") !== seen.join("; "))
      v.add("hedged", `${label}: the result lists hedges [${told.join("; ")}], the events [${seen.join("; ")}]`);
    result.hedges.forEach((h, i) => {
      const start = starts[i];
      if (start && Math.abs(h.startedAt - start.time) > marginMs)
        v.add("hedged", `${label}: hedge ${i} started at ${h.startedAt}, its event came at ${start.time}`);
    });
  }

  checkLearnedTimeouts(v, attempts.map(recordOf), chain, o.plan.method, marginMs, label);
}

function checkLearnedTimeouts(
  v: Violations,
  records: readonly AttemptRecord[],
  chain: readonly ModelFacts[],
  method: "generate" | "stream",
  marginMs: number,
  label: string,
): void {
  for (const record of records) {
    const match = record.kind === "timeout" ? learnedTimer.exec(record.message ?? "") : null;
    if (!match) continue;
    const ms = Number(match[1]);
    const what = `${label}: ${record.model} timed out on a learned first-token timer of ${ms} ms`;
    const model = chain.find((m) => m.id === record.model);
    const learn = model?.learnFirstToken;
    if (!learn) {
      v.add("learned-timers", `${what}, but it does not learn its first-token timer`);
      continue;
    }
    if (method === "generate") v.add("learned-timers", `${what} on a generate (first-token timers are for streams)`);
    if (record.probe) v.add("learned-timers", `${what} on a half-open probe (a probe keeps firstTokenMs)`);
    const floor = Math.ceil((learn === true ? undefined : learn.minMs) ?? policyDefaults.learnFirstToken.minMs);
    if (ms < floor) v.add("learned-timers", `${what}, below its floor minMs ${floor}`);
    const ceiling = model.firstTokenMs === undefined ? policyDefaults.firstTokenMs : model.firstTokenMs;
    if (ceiling !== false && Number.isFinite(ceiling) && ms >= Math.ceil(ceiling))
      v.add("learned-timers", `${what}, not shorter than its firstTokenMs ${ceiling}`);
    if (record.durationMs < ms - marginMs) v.add("learned-timers", `${what} after only ${record.durationMs} ms`);
  }
}

/** Prints `stats` when `CHAOS_STATS` is set: how much hedging a property's runs saw. */
export function reportHedgeStats(property: string, runs: number, stats: HedgeStats): void {
  if (!process.env.CHAOS_STATS) return;
  console.log(`[chaos stats] ${property}: ${runs} runs; ${describeHedgeStats(stats)}`);
}
