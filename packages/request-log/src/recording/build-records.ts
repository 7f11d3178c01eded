import { type AttemptRecord, addUsage, type Cost, type Usage, zeroUsage } from "@understudy/core";
import type { AttemptRecordRow } from "../records/attempt-record-row.ts";
import type { LoggedRequest } from "../records/request-log-batch.ts";
import type { RequestRecord } from "../records/request-record.ts";
import { answerText, type CaptureOptions, cleanText, promptText } from "./capture.ts";
import type { EndedRequest, StartedRequest } from "./request-history.ts";

/** Longest error message kept, in characters: an exhausted request's lists every attempt. */
const maxMessageChars = 2_000;

/** Turns a request the events told of into its rows. */
export function toLoggedRequest(ended: EndedRequest, chain: string, capture: CaptureOptions | undefined): LoggedRequest {
  const { start } = ended;
  const history = "result" in ended ? ended.result.attempts : ended.attempts;
  const attempts = attemptRows(start.event.requestId, history, capture);
  const ending = "result" in ended ? answered(ended, capture) : failed(ended, capture);
  const record: RequestRecord = {
    ...requestFacts(start, chain, history, attempts),
    ...ending,
    ...(start.request ? { prompt: cleanText(promptText(start.request), capture) } : {}),
  };
  return { record, attempts };
}

/** The fields that depend on how the request ended. */
type EndingField =
  | "durationMs"
  | "outcome"
  | "cost"
  | "model"
  | "provider"
  | "modelId"
  | "responseModel"
  | "finishReason"
  | "answer"
  | "errorName"
  | "errorKind"
  | "exhaustedReason"
  | "errorMessage";

type Ending = Pick<RequestRecord, "durationMs" | "outcome" | "cost"> &
  Partial<Pick<RequestRecord, Exclude<EndingField, "durationMs" | "outcome" | "cost">>>;

function answered(ended: Extract<EndedRequest, { result: unknown }>, capture: CaptureOptions | undefined): Ending {
  const { result, start } = ended;
  return {
    durationMs: result.durationMs,
    outcome: "success",
    cost: result.cost,
    model: result.model,
    provider: result.provider,
    modelId: result.modelId,
    finishReason: result.finishReason,
    ...(result.responseModel === undefined ? {} : { responseModel: result.responseModel }),
    ...(start.captureAnswer ? { answer: cleanText(answerText(result), capture) } : {}),
  };
}

function failed(ended: Extract<EndedRequest, { failure: unknown }>, capture: CaptureOptions | undefined): Ending {
  const { failure, attempts, endedAt, start } = ended;
  return {
    durationMs: endedAt - start.event.startedAt,
    outcome: failure.outcome,
    cost: costOf(attempts),
    errorName: failure.name,
    ...(failure.kind === undefined ? {} : { errorKind: failure.kind }),
    ...(failure.exhaustedReason === undefined ? {} : { exhaustedReason: failure.exhaustedReason }),
    errorMessage: cleanText(failure.message, { ...capture, maxChars: maxMessageChars }),
  };
}

function requestFacts(
  start: StartedRequest,
  chain: string,
  history: readonly AttemptRecord[],
  rows: readonly AttemptRecordRow[],
): Omit<RequestRecord, EndingField | "prompt"> {
  const { event } = start;
  const calls = rows.filter((row) => row.outcome !== "skipped");
  const firstTokenMs = firstTokenOf(history, event.startedAt);
  return {
    requestId: event.requestId,
    startedAt: event.startedAt,
    chain,
    method: event.method,
    models: event.models,
    tags: event.tags,
    calls: calls.length,
    skips: rows.length - calls.length,
    retries: calls.filter((row) => row.attempt > 1).length,
    fallbacks: rows.filter((row) => row.fellBack).length,
    resets: start.resets,
    hedges: start.hedges,
    hedgesWon: start.hedgesWon,
    ...(firstTokenMs === undefined ? {} : { firstTokenMs }),
    usage: sumUsage(history),
  };
}

/** Ms from the request's start to the first content part any of its calls sent. */
function firstTokenOf(history: readonly AttemptRecord[], startedAt: number): number | undefined {
  let first: number | undefined;
  for (const attempt of history) {
    if (attempt.firstContentMs === undefined) continue;
    const at = attempt.startedAt + attempt.firstContentMs - startedAt;
    if (first === undefined || at < first) first = at;
  }
  return first;
}

/** One row per call and skip; a failed call is a fallback when the next call goes to another model. */
export function attemptRows(
  requestId: string,
  history: readonly AttemptRecord[],
  capture: CaptureOptions | undefined,
): AttemptRecordRow[] {
  return history.map((attempt, seq) => rowOf(requestId, seq, attempt, movedOn(history, seq), capture));
}

/**
 * Whether the call at `seq` failed (or was cancelled) and the request moved
 * on to another model: the next call of the walk went to one. The history is
 * in the order calls ended; a hedge runs two at once, so the next call of the
 * walk is the next to end among those that started no earlier than this one
 * (the slow call a hedge ran beside started before it, and a hedge's failure
 * that the slow model's answer made moot is followed by none). A call that
 * lost a hedge moved nothing on: the other call carried the request.
 */
function movedOn(history: readonly AttemptRecord[], seq: number): boolean {
  const attempt = history[seq];
  if (!attempt || (attempt.outcome !== "failure" && attempt.outcome !== "cancelled")) return false;
  if (attempt.lostHedgeTo !== undefined) return false;
  for (let later = seq + 1; later < history.length; later++) {
    const next = history[later];
    if (!next || next.outcome === "skipped" || next.startedAt < attempt.startedAt) continue;
    return next.model !== attempt.model;
  }
  return false;
}

function rowOf(
  requestId: string,
  seq: number,
  attempt: AttemptRecord,
  fellBack: boolean,
  capture: CaptureOptions | undefined,
): AttemptRecordRow {
  const { firstContentMs, message, ...kept } = attempt;
  return {
    requestId,
    seq,
    startedAt: kept.startedAt,
    model: kept.model,
    provider: kept.provider,
    modelId: kept.modelId,
    attempt: kept.attempt,
    outcome: kept.outcome,
    ...optional(kept, ["kind", "skipReason", "status"]),
    ...(message === undefined ? {} : { message: cleanText(message, { ...capture, maxChars: maxMessageChars }) }),
    waitedMs: kept.waitedMs,
    durationMs: kept.durationMs,
    ...(firstContentMs === undefined ? {} : { firstTokenMs: firstContentMs }),
    probe: kept.probe,
    fellBack,
    hedge: kept.hedge === true,
    ...optional(kept, ["lostHedgeTo", "usage", "cost", "responseId", "responseModel", "finishReason"]),
  };
}

/** The fields of `source` among `keys` that are set, and only those (a record has no `undefined` fields). */
function optional<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}

function sumUsage(history: readonly AttemptRecord[]): Usage {
  return history.reduce((sum, { usage }) => (usage ? addUsage(sum, usage) : sum), zeroUsage);
}

/** A failed request's cost, by the engine's rule: nothing answered, every priced call wasted. */
function costOf(history: readonly AttemptRecord[]): Cost {
  let wasted = 0;
  let complete = true;
  for (const attempt of history) {
    if (!attempt.usage) continue;
    if (attempt.cost === undefined) complete = false;
    else wasted += attempt.cost;
  }
  return { answer: 0, wasted, total: wasted, complete };
}
