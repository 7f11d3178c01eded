import type { AttemptOutcome, ModelErrorKind, ShadowSkipReason, SkipReason, Usage } from "@understudy/core";
import fc from "fast-check";
import type { AttemptRecordRow } from "../records/attempt-record-row.ts";
import type { LoggedRequest } from "../records/request-log-batch.ts";
import type { RequestOutcome, RequestRecord } from "../records/request-record.ts";
import type { ShadowRecord } from "../records/shadow-record.ts";

/** Start of the generated logs' time span (2025-01-01T00:00:00Z); they span three days from it. */
export const logEpoch = Date.UTC(2025, 0, 1);
export const logSpanMs = 3 * 86_400_000;

export const modelIds = ["anthropic:claude", "google:gemini", "openai:gpt-4.1", "openai:gpt-4.1-mini"] as const;
export const chains = ["checkout", "support"] as const;
export const tagChoices = { feature: ["chat", "search"], tenant: ["acme", "globex"] } as const;

const failureKinds: ModelErrorKind[] = ["rate_limit", "overloaded", "server", "timeout", "auth", "connection"];
const skipReasons: SkipReason[] = ["open", "cooldown", "half_open_probe_in_flight", "isolated", "unsupported", "bulkhead_full"];
const outcomes: RequestOutcome[] = ["success", "success", "success", "exhausted", "interrupted", "surfaced", "aborted"];

const count = fc.integer({ min: 0, max: 5_000 });
const usage: fc.Arbitrary<Usage> = fc
  .record({ inputTokens: count, cachedInputTokens: count, cacheWriteTokens: count, outputTokens: count, estimated: fc.boolean() })
  .chain((u) => fc.integer({ min: 0, max: u.outputTokens }).map((reasoningTokens) => ({ ...u, reasoningTokens })));
const money = fc.double({ min: 0, max: 1, noNaN: true, noDefaultInfinity: true });
const text = fc.string({ unit: "grapheme", maxLength: 40 });

const tags = fc
  .record(
    { feature: fc.constantFrom(...tagChoices.feature), tenant: fc.constantFrom(...tagChoices.tenant) },
    { requiredKeys: [] },
  )
  .map((picked): Record<string, string> => ({ ...picked }));

/** One entry of a history, before it is given its request and place. */
const attempt = fc.record({
  model: fc.constantFrom(...modelIds),
  outcome: fc.constantFrom<AttemptOutcome>("success", "failure", "failure", "skipped", "cancelled"),
  kind: fc.constantFrom(...failureKinds),
  skipReason: fc.constantFrom(...skipReasons),
  offsetMs: fc.integer({ min: 0, max: 120_000 }),
  durationMs: fc.integer({ min: 0, max: 60_000 }),
  waitedMs: fc.integer({ min: 0, max: 5_000 }),
  firstTokenMs: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
  usage: fc.option(usage, { nil: undefined }),
  cost: fc.option(money, { nil: undefined }),
  status: fc.option(fc.constantFrom(429, 500, 503, 529), { nil: undefined }),
  message: fc.option(text, { nil: undefined }),
  fellBack: fc.boolean(),
  probe: fc.boolean(),
  hedge: fc.boolean(),
  // With `cancelled`: the model whose call won the hedge this one lost.
  lostHedgeTo: fc.option(fc.constantFrom(...modelIds), { nil: undefined }),
});

type AttemptDraft = typeof attempt extends fc.Arbitrary<infer T> ? T : never;

function rowOf(requestId: string, startedAt: number, seq: number, draft: AttemptDraft): AttemptRecordRow {
  const base = {
    requestId,
    seq,
    startedAt: startedAt + draft.offsetMs,
    model: draft.model,
    provider: draft.model.split(":")[0] ?? "",
    modelId: draft.model.split(":")[1] ?? "",
  };
  if (draft.outcome === "skipped") {
    return {
      ...base,
      attempt: 0,
      outcome: "skipped",
      skipReason: draft.skipReason,
      waitedMs: 0,
      durationMs: 0,
      probe: false,
      fellBack: false,
      hedge: false,
    };
  }
  const lost = draft.outcome === "cancelled" ? draft.lostHedgeTo : undefined;
  const failed = draft.outcome !== "success";
  return {
    ...base,
    attempt: 1 + (seq % 2),
    outcome: draft.outcome,
    ...(failed ? { kind: draft.kind } : { finishReason: "stop" as const, responseId: `resp_${seq}` }),
    ...(failed && draft.status !== undefined ? { status: draft.status } : {}),
    ...(failed && draft.message !== undefined ? { message: draft.message } : {}),
    waitedMs: draft.waitedMs,
    durationMs: draft.durationMs,
    ...(draft.firstTokenMs === undefined ? {} : { firstTokenMs: draft.firstTokenMs }),
    probe: draft.probe,
    fellBack: failed && lost === undefined && draft.fellBack,
    hedge: draft.hedge,
    ...(lost === undefined ? {} : { lostHedgeTo: lost }),
    ...(draft.usage === undefined ? {} : { usage: draft.usage }),
    ...(draft.usage === undefined || draft.cost === undefined ? {} : { cost: draft.cost }),
  };
}

const shadowSkipReasons: ShadowSkipReason[] = ["unhealthy", "serving_fallbacks", "max_concurrent", "max_cost", "closed"];

/** A shadow call of a request, before it is given its request. */
const shadowDraft = fc.record({
  model: fc.constantFrom(...modelIds),
  outcome: fc.constantFrom<ShadowRecord["outcome"]>("answered", "answered", "failed", "skipped"),
  skipReason: fc.constantFrom(...shadowSkipReasons),
  kind: fc.constantFrom(...failureKinds),
  durationMs: fc.integer({ min: 0, max: 30_000 }),
  tokens: fc.tuple(count, count),
  cost: fc.option(money, { nil: undefined }),
  failedCheck: fc.option(fc.constantFrom("not-empty", "json"), { nil: undefined }),
  realFailedCheck: fc.option(fc.constantFrom("not-empty", "not-truncated"), { nil: undefined }),
  answer: fc.option(text, { nil: undefined }),
});

type ShadowDraft = typeof shadowDraft extends fc.Arbitrary<infer T> ? T : never;

function shadowOf(record: RequestRecord, draft: ShadowDraft): ShadowRecord {
  const base = {
    requestId: record.requestId,
    at: record.startedAt + record.durationMs,
    chain: record.chain,
    model: draft.model,
    answeringModel: record.model ?? modelIds[0],
  };
  if (draft.outcome === "skipped") return { ...base, outcome: "skipped", skipReason: draft.skipReason, durationMs: 0 };
  if (draft.outcome === "failed")
    return { ...base, outcome: "failed", kind: draft.kind, message: "m", durationMs: draft.durationMs };
  return {
    ...base,
    outcome: "answered",
    durationMs: draft.durationMs,
    inputTokens: draft.tokens[0],
    outputTokens: draft.tokens[1],
    ...(draft.cost === undefined ? {} : { cost: draft.cost }),
    ...(draft.failedCheck === undefined ? {} : { failedCheck: draft.failedCheck }),
    ...(draft.realFailedCheck === undefined ? {} : { realFailedCheck: draft.realFailedCheck }),
    ...(draft.answer === undefined ? {} : { answer: draft.answer }),
  };
}

/** The shadow call generated with each logged request (successful ones, sometimes), by request. */
const generatedShadows = new WeakMap<LoggedRequest, ShadowRecord>();

/** The shadow calls generated with these requests, in their order: what a log of them holds in `shadows`. */
export function shadowsOf(logged: readonly LoggedRequest[]): ShadowRecord[] {
  return logged.flatMap((request) => {
    const shadow = generatedShadows.get(request);
    return shadow ? [shadow] : [];
  });
}

/** A request and its history: every field filled as a recording fills it, values arbitrary. */
const loggedRequest = fc.record({
  startedAt: fc.integer({ min: logEpoch, max: logEpoch + logSpanMs }),
  durationMs: fc.integer({ min: 0, max: 120_000 }),
  chain: fc.constantFrom(...chains),
  method: fc.constantFrom<RequestRecord["method"]>("generate", "stream"),
  tags,
  outcome: fc.constantFrom(...outcomes),
  attempts: fc.array(attempt, { maxLength: 5 }),
  usage,
  cost: fc.record({ answer: money, wasted: money, complete: fc.boolean() }),
  firstTokenMs: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
  // A few prompts recur, so that several models answer the same one; the last two order one way by their UTF-8 bytes (as SQL does) and the other by their UTF-16 units.
  prompt: fc.option(fc.oneof(fc.constantFrom("What is 2+2?", "😀 résumé", "ﬀ résumé"), text), { nil: undefined }),
  answer: fc.option(text, { nil: undefined }),
  errorMessage: text,
  resets: fc.integer({ min: 0, max: 2 }),
  // Most requests start no hedge; one may start a few (`hedging.maxPerRequest`), and the second call win some.
  hedges: fc
    .oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 3 }))
    .chain((hedges) => fc.tuple(fc.constant(hedges), fc.integer({ min: 0, max: hedges }))),
  shadow: fc.option(shadowDraft, { nil: undefined }),
});

type RequestDraft = typeof loggedRequest extends fc.Arbitrary<infer T> ? T : never;

function requestOf(draft: RequestDraft, index: number): LoggedRequest {
  const requestId = `req_${index.toString().padStart(4, "0")}`;
  const attempts = draft.attempts.map((a, seq) => rowOf(requestId, draft.startedAt, seq, a));
  const answering = attempts.findLast((a) => a.outcome === "success");
  const succeeded = draft.outcome === "success";
  const calls = attempts.filter((a) => a.outcome !== "skipped");
  const record: RequestRecord = {
    requestId,
    startedAt: draft.startedAt,
    durationMs: draft.durationMs,
    chain: draft.chain,
    method: draft.method,
    models: [...modelIds],
    tags: draft.tags,
    outcome: draft.outcome,
    ...(succeeded
      ? {
          model: answering?.model ?? modelIds[0],
          provider: "p",
          modelId: "m",
          finishReason: "stop" as const,
          responseModel: "m-2025",
        }
      : { errorName: "ModelError", errorKind: "overloaded" as const, errorMessage: draft.errorMessage }),
    ...(draft.outcome === "exhausted" ? { exhaustedReason: "all_failed" as const } : {}),
    calls: calls.length,
    skips: attempts.length - calls.length,
    retries: calls.filter((a) => a.attempt > 1).length,
    fallbacks: attempts.filter((a) => a.fellBack).length,
    resets: draft.resets,
    hedges: draft.hedges[0],
    hedgesWon: draft.hedges[1],
    ...(draft.firstTokenMs === undefined ? {} : { firstTokenMs: draft.firstTokenMs }),
    usage: draft.usage,
    cost: { ...draft.cost, total: draft.cost.answer + draft.cost.wasted },
    ...(draft.prompt === undefined ? {} : { prompt: draft.prompt }),
    ...(succeeded && draft.answer !== undefined ? { answer: draft.answer } : {}),
  };
  const logged = { record, attempts };
  if (succeeded && draft.shadow) generatedShadows.set(logged, shadowOf(record, draft.shadow));
  return logged;
}

/** A log of up to `maxLength` requests with unique ids (lengths spread over the whole range with `size: "max"`). */
export function loggedRequests(maxLength = 40, size: fc.SizeForArbitrary = "small"): fc.Arbitrary<LoggedRequest[]> {
  return fc.array(loggedRequest, { maxLength, size }).map((drafts) => drafts.map(requestOf));
}

/** Drops the log recorded, within the time span. */
export const drops = fc.array(
  fc.record({
    chain: fc.constantFrom(...chains),
    count: fc.integer({ min: 1, max: 50 }),
    at: fc.integer({ min: logEpoch, max: logEpoch + logSpanMs }),
  }),
  { maxLength: 4 },
);

/** A question's narrowing: a window (sometimes), a chain (sometimes), tags (sometimes). */
export const logQuery = fc.record(
  {
    from: fc.integer({ min: logEpoch - 3_600_000, max: logEpoch + logSpanMs }),
    to: fc.integer({ min: logEpoch, max: logEpoch + logSpanMs + 3_600_000 }),
    chain: fc.constantFrom(...chains),
    tags: tags.filter((t) => Object.keys(t).length > 0),
  },
  { requiredKeys: [] },
);

/** Bucket widths a report uses: 5 minutes to a day. */
export const bucketMs = fc.constantFrom(300_000, 3_600_000, 21_600_000, 86_400_000);
