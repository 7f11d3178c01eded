import type { SQLInputValue } from "node:sqlite";
import type { AttemptOutcome, Usage } from "@understudy/core";
import type { AttemptRecordRow } from "../records/attempt-record-row.ts";
import type { RequestRecord } from "../records/request-record.ts";
import type { ShadowRecord } from "../records/shadow-record.ts";

// Records to SQL parameters and back. Each column list is written once and
// the statements are built from it, so a column and its value cannot drift apart.

type Row = Record<string, SQLInputValue>;

/** A stored boolean: SQLite's 0/1 or PostgreSQL's BOOLEAN. */
const flag = (value: unknown): boolean => value === 1 || value === true;

/** A request's columns, in the order of {@link requestValues}. */
export const requestColumns = [
  "request_id",
  "started_at",
  "duration_ms",
  "chain",
  "method",
  "models",
  "tags",
  "outcome",
  "model",
  "provider",
  "model_id",
  "response_model",
  "finish_reason",
  "error_name",
  "error_kind",
  "exhausted_reason",
  "error_message",
  "calls",
  "skips",
  "retries",
  "fallbacks",
  "resets",
  "hedges",
  "hedges_won",
  "first_token_ms",
  "input_tokens",
  "cached_input_tokens",
  "cache_write_tokens",
  "output_tokens",
  "reasoning_tokens",
  "usage_estimated",
  "cost_answer",
  "cost_wasted",
  "cost_complete",
  "prompt",
  "answer",
] as const;

/** A request record as the values of {@link requestColumns}. */
export function requestValues(r: RequestRecord): SQLInputValue[] {
  return [
    r.requestId,
    whole(r.startedAt),
    whole(r.durationMs),
    r.chain,
    r.method,
    JSON.stringify(r.models),
    JSON.stringify(r.tags),
    r.outcome,
    ...nullable(r.model, r.provider, r.modelId, r.responseModel, r.finishReason),
    ...nullable(r.errorName, r.errorKind, r.exhaustedReason, r.errorMessage),
    r.calls,
    r.skips,
    r.retries,
    r.fallbacks,
    r.resets,
    r.hedges,
    r.hedgesWon,
    wholeOrNull(r.firstTokenMs),
    ...usageValues(r.usage),
    r.cost.answer,
    r.cost.wasted,
    r.cost.complete ? 1 : 0,
    ...nullable(r.prompt, r.answer),
  ];
}

/** An attempt's columns, in the order of {@link attemptValues}. */
export const attemptColumns = [
  "request_id",
  "seq",
  "started_at",
  "model",
  "provider",
  "model_id",
  "attempt",
  "outcome",
  "kind",
  "skip_reason",
  "status",
  "message",
  "waited_ms",
  "duration_ms",
  "first_token_ms",
  "probe",
  "fell_back",
  "hedge",
  "lost_hedge_to",
  "input_tokens",
  "cached_input_tokens",
  "cache_write_tokens",
  "output_tokens",
  "reasoning_tokens",
  "usage_estimated",
  "cost",
  "response_id",
  "response_model",
  "finish_reason",
] as const;

/** An attempt row as the values of {@link attemptColumns}. */
export function attemptValues(a: AttemptRecordRow): SQLInputValue[] {
  return [
    a.requestId,
    a.seq,
    whole(a.startedAt),
    a.model,
    a.provider,
    a.modelId,
    a.attempt,
    a.outcome,
    ...nullable(a.kind, a.skipReason, wholeOrNull(a.status), a.message),
    whole(a.waitedMs),
    whole(a.durationMs),
    wholeOrNull(a.firstTokenMs),
    a.probe ? 1 : 0,
    a.fellBack ? 1 : 0,
    a.hedge ? 1 : 0,
    a.lostHedgeTo ?? null,
    ...(a.usage ? usageValues(a.usage) : [null, null, null, null, null, null]),
    ...nullable(a.cost, a.responseId, a.responseModel, a.finishReason),
  ];
}

/** A shadow call's columns, in the order of {@link shadowValues}. */
export const shadowColumns = [
  "request_id",
  "at",
  "chain",
  "model",
  "answering_model",
  "outcome",
  "skip_reason",
  "kind",
  "message",
  "duration_ms",
  "input_tokens",
  "output_tokens",
  "cost",
  "failed_check",
  "real_failed_check",
  "answer",
] as const;

/** A shadow record as the values of {@link shadowColumns}. */
export function shadowValues(s: ShadowRecord): SQLInputValue[] {
  return [
    s.requestId,
    whole(s.at),
    s.chain,
    s.model,
    s.answeringModel,
    s.outcome,
    ...nullable(s.skipReason, s.kind, s.message),
    whole(s.durationMs),
    wholeOrNull(s.inputTokens),
    wholeOrNull(s.outputTokens),
    ...nullable(s.cost, s.failedCheck, s.realFailedCheck, s.answer),
  ];
}

/** A `shadows` row read back as its record. */
export function shadowFromRow(row: Row): ShadowRecord {
  return {
    requestId: String(row.request_id),
    at: Number(row.at),
    chain: String(row.chain),
    model: String(row.model),
    answeringModel: String(row.answering_model),
    outcome: row.outcome as ShadowRecord["outcome"],
    ...present(row, { skipReason: "skip_reason", kind: "kind", message: "message" }),
    durationMs: Number(row.duration_ms),
    ...numbers(row, { inputTokens: "input_tokens", outputTokens: "output_tokens", cost: "cost" }),
    ...present(row, { failedCheck: "failed_check", realFailedCheck: "real_failed_check", answer: "answer" }),
  } as ShadowRecord;
}

/** The numeric columns of `row` that are not NULL, as numbers (PostgreSQL returns BIGINT as text). */
function numbers(row: Row, names: Readonly<Record<string, string>>): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const [field, column] of Object.entries(names)) {
    const value = row[column];
    if (value !== null && value !== undefined) fields[field] = Number(value);
  }
  return fields;
}

/** A `requests` row read back as its record. */
export function requestFromRow(row: Row): RequestRecord {
  return {
    requestId: String(row.request_id),
    startedAt: Number(row.started_at),
    durationMs: Number(row.duration_ms),
    chain: String(row.chain),
    method: row.method as RequestRecord["method"],
    models: JSON.parse(String(row.models)) as string[],
    tags: JSON.parse(String(row.tags)) as Record<string, string>,
    outcome: row.outcome as RequestRecord["outcome"],
    ...present(row, { model: "model", provider: "provider", modelId: "model_id", responseModel: "response_model" }),
    ...present(row, { finishReason: "finish_reason", errorName: "error_name", errorKind: "error_kind" }),
    ...present(row, { exhaustedReason: "exhausted_reason", errorMessage: "error_message" }),
    calls: Number(row.calls),
    skips: Number(row.skips),
    retries: Number(row.retries),
    fallbacks: Number(row.fallbacks),
    resets: Number(row.resets),
    hedges: Number(row.hedges),
    hedgesWon: Number(row.hedges_won),
    ...present(row, { firstTokenMs: "first_token_ms" }),
    usage: usageFromRow(row),
    cost: {
      answer: Number(row.cost_answer),
      wasted: Number(row.cost_wasted),
      total: Number(row.cost_answer) + Number(row.cost_wasted),
      complete: flag(row.cost_complete),
    },
    ...present(row, { prompt: "prompt", answer: "answer" }),
  } as RequestRecord;
}

/** An `attempts` row read back as its record. */
export function attemptFromRow(row: Row): AttemptRecordRow {
  return {
    requestId: String(row.request_id),
    seq: Number(row.seq),
    startedAt: Number(row.started_at),
    model: String(row.model),
    provider: String(row.provider),
    modelId: String(row.model_id),
    attempt: Number(row.attempt),
    outcome: row.outcome as AttemptOutcome,
    ...present(row, { kind: "kind", skipReason: "skip_reason", status: "status", message: "message" }),
    waitedMs: Number(row.waited_ms),
    durationMs: Number(row.duration_ms),
    ...present(row, { firstTokenMs: "first_token_ms" }),
    probe: flag(row.probe),
    fellBack: flag(row.fell_back),
    hedge: flag(row.hedge),
    ...present(row, { lostHedgeTo: "lost_hedge_to" }),
    ...(row.input_tokens === null ? {} : { usage: usageFromRow(row) }),
    ...present(row, { cost: "cost", responseId: "response_id", responseModel: "response_model", finishReason: "finish_reason" }),
  } as AttemptRecordRow;
}

function usageValues(usage: Usage): SQLInputValue[] {
  return [
    whole(usage.inputTokens),
    whole(usage.cachedInputTokens),
    whole(usage.cacheWriteTokens),
    whole(usage.outputTokens),
    whole(usage.reasoningTokens),
    usage.estimated ? 1 : 0,
  ];
}

function usageFromRow(row: Row): Usage {
  return {
    inputTokens: Number(row.input_tokens),
    cachedInputTokens: Number(row.cached_input_tokens),
    cacheWriteTokens: Number(row.cache_write_tokens),
    outputTokens: Number(row.output_tokens),
    reasoningTokens: Number(row.reasoning_tokens),
    estimated: flag(row.usage_estimated),
  };
}

function nullable(...values: readonly (string | number | null | undefined)[]): SQLInputValue[] {
  return values.map((value) => value ?? null);
}

/** The columns of `row` that are not NULL, under their record names (a record has no `undefined` fields). */
function present(row: Row, names: Readonly<Record<string, string>>): Record<string, SQLInputValue> {
  const fields: Record<string, SQLInputValue> = {};
  for (const [field, column] of Object.entries(names)) {
    const value = row[column];
    if (value !== null && value !== undefined) fields[field] = value;
  }
  return fields;
}

/**
 * A time, duration, count or status as the whole number its INTEGER / BIGINT
 * column holds: a backoff's jitter makes fractional waits, and PostgreSQL
 * refuses a fraction for a BIGINT (the whole batch with it). Not finite: 0.
 */
function whole(value: number): number {
  return Number.isFinite(value) ? Math.round(value) : 0;
}

function wholeOrNull(value: number | undefined): number | null {
  return value === undefined ? null : whole(value);
}
