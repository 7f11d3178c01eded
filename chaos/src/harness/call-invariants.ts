import {
  type AttemptRecord,
  countsAgainstHealth,
  type Fallback,
  type FallbackResult,
  type FallbackStreamPart,
  isConfigError,
  isFallbackExhaustedError,
  isModelError,
  isRequestError,
  isStreamInterruptedError,
  type MidStreamMode,
  type Usage,
} from "@understudy/core";
import type { RecordedEvent } from "./event-recorder.ts";
import { type HealthChange, harms } from "./health-ledger.ts";
import { checkHedges, type HedgeExpectations, hedgeCutAfterWinning } from "./hedge-invariants.ts";
import type { KnownIssue } from "./known-issues.ts";
import type { CallObservation, Settlement } from "./observe-call.ts";
import { checkOneVoice, type PartSources } from "./part-sources.ts";
import { scanForSecret } from "./secret-scan.ts";
import { Violations } from "./violation.ts";

/** What the provider sent for the call that answered, as far as the property knows. */
export interface AnswerTruth {
  /** False when that call could not have produced a complete answer (it failed, was cut, stalled…). */
  readonly complete: boolean;
  /** The full text it sent, when known. */
  readonly text?: string;
}

/** What a property knows about one call, to check it against. */
export interface CallExpectations {
  /** Every settlement must come within this many ms of the call's start (deadline, or the chain's worst case). */
  readonly boundMs: number;
  /** Slack on every time limit (scheduling, rounding), in ms. */
  readonly marginMs: number;
  /** Once the caller aborted, stopped or cancelled, the call must settle within this many ms. */
  readonly promptMs: number;
  /** The call's deadline, if it has one (a failure it caused before the caller's own fault is not the caller's). */
  readonly deadlineMs?: number;
  /** The stream's mid-stream mode for this call. */
  readonly midStream: MidStreamMode;
  /** The truth about the answering call of a success, or `undefined` when unknowable. */
  readonly answerOf: (result: FallbackResult) => AnswerTruth | undefined;
  /** Calls the models received for this call. */
  readonly providerCalls: number;
  /** Events of this call. */
  readonly events: readonly RecordedEvent[];
  /** Health changes this call made. */
  readonly healthChanges: readonly HealthChange[];
  /** The API key that must never show, and surfaces beyond the call's own (SDK log lines). */
  readonly secret?: { readonly key: string; readonly surfaces: readonly unknown[] };
  /**
   * The input is invalid and must be refused with a `RequestError` (and the known
   * issue its acceptance matches, if any); `"maybe"` for input either outcome fits.
   */
  readonly refusal: { readonly must: true; readonly known?: KnownIssue } | "maybe" | "never";
  /** The chain's hedging and learned timers, to check this call's hedges against (see `hedge-invariants.ts`). */
  readonly hedging?: HedgeExpectations;
  /** Where each streamed part came from (the chain's adapters traced), to check the caller heard one voice. */
  readonly sources?: PartSources;
}

const stoppedByCaller = new Set(["break", "cancel", "return-before-next"]);

/**
 * Builds a chain from options a property made valid; a ConfigError is a
 * violation (`Infinity` for a timer means "off", and is valid).
 */
export function buildValidChain(v: Violations, build: () => Fallback): Fallback | undefined {
  try {
    return build();
  } catch (error) {
    const infinity = isConfigError(error) && /Infinity/.test(error.message);
    v.add("config-error-or-works", `a valid config was refused: ${messageOf(error)}`, infinity ? "huge-durations" : undefined);
    return undefined;
  }
}

/** Checks one observed call against every per-call invariant. */
export function checkCall(observation: CallObservation, expect: CallExpectations): Violations {
  const v = new Violations();
  const { plan } = observation;
  const label = `${plan.method}/${plan.caller.kind}`;
  const outcomeError = observation.outcome.state === "rejected" ? observation.outcome.error : undefined;
  const refused = isRequestError(outcomeError);

  checkRefusal(v, observation, expect, refused, label);
  if (plan.caller.kind === "never-iterate" && !refused) {
    if (expect.providerCalls > 0) v.add("settles", `a stream never read made ${expect.providerCalls} model call(s)`);
    if (expect.events.length > 0) v.add("settles", `a stream never read emitted ${expect.events.map((e) => e.name).join(", ")}`);
  } else {
    checkSettled(v, observation, expect, label, refused);
  }
  if (!refused) {
    checkTerminalEvents(v, observation, expect, label);
    checkAnswer(v, observation, expect, label);
    checkCallerFault(v, observation, expect, label);
    if (expect.hedging)
      checkHedges(v, observation, expect.events, expect.hedging, expect.marginMs, label, successOf(observation));
    if (expect.sources && observation.plan.method === "stream")
      checkOneVoice(
        v,
        observation.parts,
        expect.midStream,
        expect.sources,
        label,
        hedgeCutAfterWinning(expect.events) ? "hedge-cut-not-taken-up" : undefined,
      );
  }
  checkHealthBlame(v, expect);
  checkNumbers(v, observation, expect);
  checkSecret(v, observation, expect);
  return v;
}

function checkRefusal(v: Violations, o: CallObservation, expect: CallExpectations, refused: boolean, label: string): void {
  if (refused) {
    if (expect.refusal === "never")
      v.add("request-error-first", `${label}: a valid call was refused: ${messageOf(outcomeOf(o))}`);
    if (expect.providerCalls > 0) v.add("request-error-first", `a RequestError after ${expect.providerCalls} model call(s)`);
    if (expect.events.length > 0)
      v.add("request-error-first", `a RequestError after events: ${expect.events.map((e) => e.name).join(", ")}`);
    if (expect.healthChanges.length > 0) v.add("request-error-first", "a RequestError changed model health");
    if (o.plan.method === "stream" && !o.thrownAtOnce)
      v.add("request-error-first", "stream() did not throw its RequestError at once");
    return;
  }
  if (typeof expect.refusal === "object") {
    const outcome = o.plan.caller.kind === "never-iterate" ? "a stream" : describeOutcome(o);
    v.add(
      "request-error-first",
      `${label}: invalid input was not refused with a RequestError; got ${outcome}`,
      expect.refusal.known,
    );
  }
  if (o.thrownAtOnce)
    v.add(
      "complete-or-typed",
      `stream() threw at once something other than a RequestError: ${messageOf(o.thrownAtOnce.error)}`,
      typeof expect.refusal === "object" ? expect.refusal.known : undefined,
    );
}

function checkSettled(v: Violations, o: CallObservation, expect: CallExpectations, label: string, refused: boolean): void {
  const limit = o.startedAt + expect.boundMs + expect.marginMs;
  const prompt = o.callerFault ? o.callerFault.at + expect.promptMs + expect.marginMs : Number.POSITIVE_INFINITY;
  const within = (s: Settlement<unknown>, what: string, known?: KnownIssue): void => {
    if (s.state === "pending") {
      v.add("settles", `${label}: ${what} never settled`, known);
      return;
    }
    if (s.at > limit)
      v.add("settles", `${label}: ${what} settled ${s.at - o.startedAt} ms after the start (limit ${expect.boundMs} ms)`);
    else if (s.at > prompt)
      v.add(
        "settles",
        `${label}: ${what} settled ${s.at - (o.callerFault?.at ?? 0)} ms after the caller's ${o.callerFault?.what}`,
      );
  };
  if (!o.done) v.add("settles", `${label}: the call was still running ${expect.boundMs + expect.marginMs} ms after its start`);
  within(o.outcome, o.plan.method === "generate" ? "generate()" : "the stream's iteration");
  if (o.settlements > 1) v.add("settles-once", `${label}: settled ${o.settlements} times`);
  if (o.partAfterDone) v.add("settles-once", `${label}: the iterator yielded a part after it reported done`);
  if (o.plan.method !== "stream" || refused || o.thrownAtOnce) return;
  const earlyClose =
    o.plan.caller.kind === "return-before-next" || (o.plan.caller.kind === "cancel" && !o.plan.caller.afterFirstChunk);
  const hostileSignal = hasHostileSignal(o.plan.options);
  within(o.result, "stream.result", earlyClose || hostileSignal ? "result-never-settles" : undefined);
  if (o.result.state === "pending" || o.outcome.state === "pending") return;
  const endedNormally = o.outcome.state === "resolved" && !o.callerFault;
  if (endedNormally && o.result.state === "rejected" && o.plan.caller.kind === "read")
    v.add("settles-once", `${label}: the stream ended normally but stream.result rejected: ${messageOf(o.result.error)}`);
  if (o.outcome.state === "rejected" && o.result.state === "resolved")
    v.add("settles-once", `${label}: the stream threw (${messageOf(o.outcome.error)}) but stream.result resolved`);
  if (o.outcome.state === "rejected" && o.result.state === "rejected" && o.outcome.error !== o.result.error && !o.callerFault)
    v.add("settles-once", `${label}: the stream threw one error and stream.result rejected with another`);
}

function hasHostileSignal(options: unknown): boolean {
  if (typeof options !== "object" || options === null || !("signal" in options)) return false;
  const signal = (options as { signal?: unknown }).signal;
  return signal !== undefined && !(signal instanceof AbortSignal);
}

function checkTerminalEvents(v: Violations, o: CallObservation, expect: CallExpectations, label: string): void {
  const successes = expect.events.filter((e) => e.name === "success").length;
  const failures = expect.events.filter((e) => e.name === "failure").length;
  if (successes + failures > 1)
    v.add("settles-once", `${label}: ${successes} success and ${failures} failure events for one call`);
  const answered = successOf(o);
  if (answered && successes !== 1) v.add("settles-once", `${label}: answered with ${successes} success events`);
  if (!answered && successes > 0 && o.plan.caller.kind !== "never-iterate")
    v.add("settles-once", `${label}: a success event for a call that did not answer`);
}

/** The answer a call returned, if it did. */
function successOf(o: CallObservation): FallbackResult | undefined {
  if (o.plan.method === "generate") return o.outcome.state === "resolved" ? o.outcome.value : undefined;
  return o.result.state === "resolved" ? o.result.value : undefined;
}

function checkAnswer(v: Violations, o: CallObservation, expect: CallExpectations, label: string): void {
  const result = successOf(o);
  // Input that should have been refused and was not: its untyped error is the same fault.
  const unrefused = typeof expect.refusal === "object" ? expect.refusal.known : undefined;
  for (const error of errorsOf(o)) {
    if (!isTyped(error))
      v.add("complete-or-typed", `${label}: an untyped error reached the caller: ${messageOf(error)}`, unrefused);
  }
  if (o.plan.method === "stream") checkStreamParts(v, o, expect, label, result);
  checkHistory(v, o, expect, label, result);
  if (!result) return;
  const truth = expect.answerOf(result);
  if (truth && !truth.complete)
    v.add(
      "complete-or-typed",
      `${label}: success from ${result.model}, whose provider call did not complete (${JSON.stringify(result.text)})`,
    );
  if (truth?.text !== undefined) {
    const ok = expect.midStream === "continue" ? result.text.endsWith(truth.text) : result.text === truth.text;
    if (!ok)
      v.add(
        "complete-or-typed",
        `${label}: answer text ${JSON.stringify(result.text)}, provider sent ${JSON.stringify(truth.text)}`,
      );
  }
}

function checkStreamParts(
  v: Violations,
  o: CallObservation,
  expect: CallExpectations,
  label: string,
  result: FallbackResult | undefined,
): void {
  const parts = o.parts;
  const finishAt = parts.findIndex((p) => p.type === "finish");
  if (finishAt >= 0 && finishAt < parts.length - 1) v.add("complete-or-typed", `${label}: parts after the finish part`);
  // Once a complete tool call reached the caller, the answer is never restarted: the caller may have run it.
  const toolCallAt = parts.findIndex((p) => p.type === "tool-call");
  if (toolCallAt >= 0 && parts.slice(toolCallAt).some((p) => p.type === "reset"))
    v.add("complete-or-typed", `${label}: a reset part after a complete tool call reached the caller`);
  if (!result || o.callerFault) return;
  if (finishAt < 0) v.add("complete-or-typed", `${label}: a stream answered without yielding its finish part`, "finish-part");
  const visible = visibleText(parts);
  if (visible !== result.text)
    v.add(
      "complete-or-typed",
      `${label}: the stream showed ${JSON.stringify(visible)}, its result says ${JSON.stringify(result.text)}`,
      hedgeCutAfterWinning(expect.events) ? "hedge-cut-not-taken-up" : undefined,
    );
  if (expect.midStream === "error" && parts.some((p) => p.type === "reset"))
    v.add("complete-or-typed", `${label}: a reset part with midStream "error"`);
}

/** What a result or an exhausted error says happened is what the events said: every call and skip, in order. */
function checkHistory(
  v: Violations,
  o: CallObservation,
  expect: CallExpectations,
  label: string,
  result: FallbackResult | undefined,
): void {
  const error = o.outcome.state === "rejected" ? o.outcome.error : o.result.state === "rejected" ? o.result.error : undefined;
  const told = result?.attempts ?? (isFallbackExhaustedError(error) ? error.attempts : undefined);
  if (!told) return;
  const seen = expect.events
    .filter((e) => e.name === "attempt" || e.name === "skip")
    .map((e) =>
      e.name === "attempt"
        ? (e.payload as { record: AttemptRecord }).record
        : { model: (e.payload as { model: string }).model, outcome: "skipped" },
    )
    .map((r) => `${r.model}:${r.outcome}`);
  const said = told.map((r) => `${r.model}:${r.outcome}`);
  if (said.join(",") !== seen.join(","))
    v.add(
      "settles-once",
      `${label}: the ${result ? "result" : "error"} lists attempts ${said.join(", ") || "none"}, the events ${seen.join(", ") || "none"}`,
    );
  const fallbacks = expect.events.filter((e) => e.name === "fallback").length;
  if (result && result.fallbacks.length !== fallbacks)
    v.add("settles-once", `${label}: the result lists ${result.fallbacks.length} fallbacks, the events ${fallbacks}`);
}

/** The text a consumer shows: text deltas since the last reset. */
export function visibleText(parts: readonly FallbackStreamPart[]): string {
  let text = "";
  for (const part of parts) {
    if (part.type === "reset") text = "";
    if (part.type === "text-delta") text += part.text;
  }
  return text;
}

function errorsOf(o: CallObservation): unknown[] {
  const errors: unknown[] = [];
  if (o.outcome.state === "rejected") errors.push(o.outcome.error);
  if (o.result.state === "rejected" && (o.outcome.state !== "rejected" || o.result.error !== o.outcome.error))
    errors.push(o.result.error);
  return errors;
}

function isTyped(error: unknown): boolean {
  return isModelError(error) || isFallbackExhaustedError(error) || isStreamInterruptedError(error) || isRequestError(error);
}

function checkCallerFault(v: Violations, o: CallObservation, expect: CallExpectations, label: string): void {
  for (const event of expect.events) {
    if (event.name !== "attempt") continue;
    const record = (event.payload as { record: AttemptRecord }).record;
    // Cancelled counts for nothing: the caller's abort or break (`aborted`), or the request's deadline running out
    // while the consumer held a streamed part (`timeout` on the consumer's time). An `aborted` failure is never a failure.
    const cancelledKind = record.kind === "aborted" || record.kind === "timeout";
    const consistent = record.outcome === "cancelled" ? cancelledKind : record.kind !== "aborted";
    if (!consistent)
      v.add("caller-fault-neutral", `${record.model}: an attempt with outcome ${record.outcome} and kind ${record.kind}`);
  }
  const fault = o.callerFault;
  if (!fault) return;
  const after = expect.events.filter((e) => e.seq > fault.seq);
  for (const event of after) {
    if (event.name === "attempt") {
      const record = (event.payload as { record: AttemptRecord }).record;
      const deadlineFirst =
        record.kind === "timeout" && expect.deadlineMs !== undefined && fault.at >= o.startedAt + expect.deadlineMs;
      if (record.outcome === "failure" && !deadlineFirst)
        v.add(
          "caller-fault-neutral",
          `${label}: after the caller's ${fault.what}, ${record.model} recorded a failure (${record.kind})`,
        );
    }
    if (event.name === "retry" || event.name === "fallback") {
      // A hedge's handover announces its fallback only once the hedge's race is over.
      const { from, to } = event.payload as { from?: string; to?: string };
      const handover =
        event.name === "fallback" &&
        expect.events.some((e) => {
          const hedge = e.payload as { from?: string; to?: string };
          return e.name === "hedgeStart" && e.seq < event.seq && hedge.from === from && hedge.to === to;
        });
      v.add(
        "caller-fault-neutral",
        `${label}: a ${event.name} event${event.name === "fallback" ? ` ${from} → ${to}` : ""} after the caller's ${fault.what}`,
        handover ? "late-handover-fallback" : undefined,
      );
    }
  }
  if (stoppedByCaller.has(fault.what)) {
    const result = o.result;
    if (result.state === "rejected" && !(isModelError(result.error) && result.error.kind === "aborted"))
      v.add(
        "complete-or-typed",
        `${label}: stream.result after ${fault.what} rejected with ${messageOf(result.error)}, not kind aborted`,
      );
  } else if (o.outcome.state === "rejected") {
    const error = o.outcome.error;
    const aborted = isModelError(error) && error.kind === "aborted";
    const deadline = isFallbackExhaustedError(error) && error.reason === "deadline";
    const failure = expect.events.find((e) => e.name === "failure");
    const surfacedBefore = failure !== undefined && failure.seq < fault.seq;
    const skippedAll = isFallbackExhaustedError(error) && (error.reason === "all_unavailable" || error.reason === "none_fit");
    if (!aborted && !deadline && !surfacedBefore)
      v.add(
        "complete-or-typed",
        `${label}: after the caller aborted, the call failed with ${messageOf(error)}, not kind aborted`,
        skippedAll ? "abort-reported-as-exhausted" : undefined,
      );
  }
}

function checkHealthBlame(v: Violations, expect: CallExpectations): void {
  for (const change of expect.healthChanges) {
    if (!harms(change)) continue;
    const blamed = expect.events.some((event) => {
      if (event.name !== "attempt" || event.seq > change.seq) return false;
      const record = (event.payload as { record: AttemptRecord }).record;
      return (
        record.model === change.modelId &&
        record.outcome === "failure" &&
        record.kind !== undefined &&
        countsAgainstHealth(record.kind)
      );
    });
    if (blamed) continue;
    const requestFault = expect.events.find((event) => {
      if (event.name !== "attempt" || event.seq > change.seq) return false;
      const record = (event.payload as { record: AttemptRecord }).record;
      return record.model === change.modelId && record.outcome === "failure";
    });
    const kind = requestFault ? (requestFault.payload as { record: AttemptRecord }).record.kind : undefined;
    v.add(
      "caller-fault-neutral",
      `${change.modelId}: health harmed (${change.before.breaker}→${change.after.breaker}, cooldown ${change.after.cooldownUntil - change.time} ms) with no failure of that model that counts${kind ? ` (after a ${kind} failure)` : ""}`,
      kind && change.after.cooldownUntil > change.before.cooldownUntil ? "request-fault-cooldown" : undefined,
    );
  }
}

const usageFields = ["inputTokens", "cachedInputTokens", "cacheWriteTokens", "outputTokens", "reasoningTokens"] as const;

function checkNumbers(v: Violations, o: CallObservation, expect: CallExpectations): void {
  const bad = (what: string, value: unknown): void => {
    v.add("sane-numbers", `${what} is ${String(value)}`, "unsanitised-numbers");
  };
  const count = (what: string, value: unknown): void => {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) bad(what, value);
  };
  const usage = (what: string, u: Usage | undefined): void => {
    if (!u) return;
    for (const field of usageFields) count(`${what}.${field}`, u[field]);
  };
  for (const event of expect.events) {
    const payload = event.payload as Record<string, unknown>;
    if (event.name === "attempt") {
      const record = payload.record as AttemptRecord;
      usage(`attempt ${record.model}#${record.attempt} usage`, record.usage);
      count(`attempt ${record.model}#${record.attempt} durationMs`, record.durationMs);
      count(`attempt ${record.model}#${record.attempt} waitedMs`, record.waitedMs);
    }
    if (event.name === "retry") {
      count("retry delayMs", payload.delayMs);
      if (payload.retryAfterMs !== undefined) count("retry retryAfterMs", payload.retryAfterMs);
    }
    if (event.name === "skip" && payload.until !== undefined) count("skip until", payload.until);
    if (event.name === "breakerOpen" && payload.reopenAt !== undefined) count("breakerOpen reopenAt", payload.reopenAt);
  }
  for (const change of expect.healthChanges) {
    count(`${change.modelId} cooldownUntil`, change.after.cooldownUntil);
    count(`${change.modelId} reopenAt`, change.after.reopenAt);
  }
  const result = successOf(o);
  if (result) {
    usage("result.usage", result.usage);
    usage("result.totalUsage", result.totalUsage);
    for (const [field, value] of Object.entries(result.cost ?? {}))
      if (typeof value === "number") count(`result.cost.${field}`, value);
  }
}

function checkSecret(v: Violations, o: CallObservation, expect: CallExpectations): void {
  if (!expect.secret) return;
  const surfaces: unknown[] = [
    o.outcome.state === "resolved" ? o.outcome.value : undefined,
    o.outcome.state === "rejected" ? o.outcome.error : undefined,
    o.result.state === "resolved" ? o.result.value : undefined,
    o.result.state === "rejected" ? o.result.error : undefined,
    o.parts,
    ...expect.events.map((e) => e.payload),
    ...expect.secret.surfaces,
  ];
  for (const sighting of scanForSecret(expect.secret.key, surfaces)) {
    const where = surfaceName(sighting.index, expect);
    const inAnswer = /result$|success event|parts/.test(where);
    v.add(
      "no-secret",
      `the API key (${sighting.form}: "${sighting.found}") in ${where}: …${sighting.around}…`,
      sighting.form === "fragment" ? "inexact-secret-redaction" : inAnswer ? "secret-in-answer-ids" : undefined,
    );
  }
}

function surfaceName(index: number, expect: CallExpectations): string {
  const names = ["the result", "the error", "stream.result", "stream.result's error", "the stream's parts"];
  if (index < names.length) return names[index] ?? "?";
  const event = expect.events[index - names.length];
  if (event) return `the ${event.name} event`;
  return "an SDK log line";
}

function outcomeOf(o: CallObservation): unknown {
  return o.outcome.state === "rejected" ? o.outcome.error : o.outcome.state;
}

/** A short description of how a call ended. */
export function describeOutcome(o: CallObservation): string {
  if (o.outcome.state === "pending") return "no outcome";
  if (o.outcome.state === "rejected") return `an error: ${messageOf(o.outcome.error)}`;
  const result = successOf(o);
  return result ? `an answer from ${result.model}` : "a stream that ended";
}

/** An error's kind and message, short. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const kind = (error as { kind?: unknown }).kind;
    const reason = (error as { reason?: unknown }).reason;
    const tag = [error.name, kind, reason].filter((x) => typeof x === "string").join("/");
    return `${tag}: ${error.message.replace(/\s+/g, " ").slice(0, 300)}`;
  }
  return String(error);
}
