import type {
  AnswerComparison,
  FallbackRate,
  LogSummary,
  ModelLatency,
  ModelSpend,
  RequestBucket,
  SkipBucket,
  UnavailablePeriod,
} from "../reader/request-log-reader.ts";
import type {
  EvalModelResult,
  EvalSection,
  ReportData,
  ReportedRequest,
  ReportTag,
  ReportView,
  ReportWindow,
} from "../report/report-data.ts";
import { viewKey } from "../report/report-data.ts";
import { reportWindows } from "../report/report-windows.ts";

// A report over three days of a support bot's traffic, made by hand rather
// than read from a log so the page tests stay fast and every figure is known:
// the primary's breaker open for an hour, the backup cooling down briefly,
// one tag value gone quiet (its views of the last hour are empty), and
// hostile text wherever captured or upstream text reaches the page.

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** Epoch ms of the fixture's last request. */
export const fixtureLastRequest = Date.UTC(2025, 5, 10, 11, 40);
const firstRequest = fixtureLastRequest - 3 * day;

/** The fixture's chain, in order: primary, backup, last resort (unpriced). */
export const fixtureModels = ["anthropic:claude-sonnet", "openai:gpt-4.1", "local:llama-3"] as const;
const [primary, backup, local] = fixtureModels;

/** Text that breaks out of a script or into markup if the page ever inserts it as HTML. */
export const hostileScript = "</script><script>window.__xss=1</script>";
/** Markup that runs code (and fetches `x`) if the page ever inserts it as HTML. */
export const hostileMarkup = '<img src=x onerror="window.__xss=1">';
/** A model name that is itself markup: it appears in lists and comparisons. */
export const hostileModel = `edge:${hostileMarkup}`;

const outage = { from: fixtureLastRequest - 5 * hour, to: fixtureLastRequest - 4 * hour };
const cooldown = { from: fixtureLastRequest - 40 * minute, to: fixtureLastRequest - 35 * minute };
/** The primary overloaded (failing half its calls, no breaker) for a quarter hour near the end. */
const overload = { from: fixtureLastRequest - 25 * minute, to: fixtureLastRequest - 10 * minute };
const droppedAt = fixtureLastRequest - 4.5 * hour;

/** The tag values offered; the last one's value is hostile markup. */
export const fixtureTags: readonly ReportTag[] = [
  { key: "feature", value: "chat", requests: 0 },
  { key: "feature", value: "summarize", requests: 0 },
  { key: "tenant", value: `acme${hostileScript}`, requests: 0 },
];
const tagShare = [0.6, 0.3, 0.1];

/** Whether traffic with this tag choice flows at `at` (summarize stopped two hours before the end). */
function flowing(tagIndex: number | undefined, at: number): boolean {
  return tagIndex !== 1 || at < fixtureLastRequest - 2 * hour;
}

/** Requests in one bucket and how they ended. */
interface BucketTraffic {
  readonly bucketStart: number;
  readonly primary: number;
  readonly backup: number;
  readonly local: number;
  readonly exhausted: number;
  readonly interrupted: number;
  /** Requests that found the primary's breaker open. */
  readonly skippedPrimary: number;
  /** Requests that found the backup cooling down. */
  readonly skippedBackup: number;
  /** Requests whose primary was slow enough to hedge to the backup. */
  readonly hedged: number;
  /** Of those, the hedges the backup won. */
  readonly hedgesWon: number;
}

const overlap = (from: number, to: number, period: { from: number; to: number }) =>
  Math.max(0, Math.min(to, period.to) - Math.max(from, period.from)) / (to - from);

function bucketTraffic(bucketStart: number, window: ReportWindow, tagIndex: number | undefined): BucketTraffic {
  const from = Math.max(bucketStart, window.from, firstRequest);
  const to = Math.min(bucketStart + window.bucketMs, window.to);
  const share = tagIndex === undefined ? 1 : (tagShare[tagIndex] ?? 0);
  const wave = 1 + 0.5 * Math.sin(bucketStart / (3 * hour));
  const n = to > from && flowing(tagIndex, from) ? Math.round((4 * share * wave * (to - from)) / minute) : 0;
  const down = overlap(from, to, outage);
  const cooling = overlap(from, to, cooldown);
  const failing = overlap(from, to, overload) * 0.5;
  const primaryCount = Math.round(n * (1 - down) * (0.9 - failing));
  const backupCount = Math.round(n * (1 - down) * (0.07 + failing) + n * down * 0.85);
  const localCount = Math.round(n * (1 - down) * 0.01 + n * down * 0.1);
  const interrupted = n > 0 && Math.floor(bucketStart / window.bucketMs) % 7 === 3 ? 1 : 0;
  const exhausted = Math.max(0, n - primaryCount - backupCount - localCount - interrupted);
  const skippedPrimary = Math.round(n * down);
  const skippedBackup = Math.round(n * cooling * 0.5);
  // A slow primary now and then, more of them while it is overloaded; the backup wins two hedges in three.
  const hedged = Math.round(primaryCount * (0.05 + failing));
  const hedgesWon = Math.round((hedged * 2) / 3);
  return {
    bucketStart,
    primary: primaryCount,
    backup: backupCount,
    local: localCount,
    exhausted,
    interrupted,
    skippedPrimary,
    skippedBackup,
    hedged,
    hedgesWon,
  };
}

function windowTraffic(window: ReportWindow, tagIndex: number | undefined): BucketTraffic[] {
  const first = Math.floor(window.from / window.bucketMs) * window.bucketMs;
  const buckets: BucketTraffic[] = [];
  for (let start = first; start < window.to; start += window.bucketMs) buckets.push(bucketTraffic(start, window, tagIndex));
  return buckets.filter((bucket) => requestsOf(bucket) > 0);
}

const requestsOf = (b: BucketTraffic) => b.primary + b.backup + b.local + b.exhausted + b.interrupted;
const total = (traffic: readonly BucketTraffic[], count: (bucket: BucketTraffic) => number) =>
  traffic.reduce((sum, bucket) => sum + count(bucket), 0);

function requestsOverTime(traffic: readonly BucketTraffic[]): RequestBucket[] {
  return traffic.flatMap((b) =>
    (
      [
        { outcome: "exhausted", model: null, requests: b.exhausted },
        { outcome: "interrupted", model: backup, requests: b.interrupted },
        { outcome: "success", model: primary, requests: b.primary },
        { outcome: "success", model: backup, requests: b.backup },
        { outcome: "success", model: local, requests: b.local },
      ] as const
    )
      .filter((row) => row.requests > 0)
      .map((row) => ({ bucketStart: b.bucketStart, ...row })),
  );
}

function skipsOverTime(traffic: readonly BucketTraffic[]): SkipBucket[] {
  return traffic.flatMap((b) => [
    ...(b.skippedPrimary > 0
      ? [{ bucketStart: b.bucketStart, model: primary, reason: "open" as const, skips: b.skippedPrimary }]
      : []),
    ...(b.skippedBackup > 0
      ? [{ bucketStart: b.bucketStart, model: backup, reason: "cooldown" as const, skips: b.skippedBackup }]
      : []),
  ]);
}

function unavailablePeriods(traffic: readonly BucketTraffic[], window: ReportWindow): UnavailablePeriod[] {
  const period = (model: string, span: { from: number; to: number }, skips: number, reasons: UnavailablePeriod["reasons"]) =>
    skips > 0 ? [{ model, from: Math.max(span.from, window.from), to: Math.min(span.to, window.to - 1), skips, reasons }] : [];
  return [
    ...period(
      primary,
      outage,
      total(traffic, (b) => b.skippedPrimary),
      ["half_open_probe_in_flight", "open"],
    ),
    ...period(
      backup,
      cooldown,
      total(traffic, (b) => b.skippedBackup),
      ["cooldown"],
    ),
  ];
}

function summary(traffic: readonly BucketTraffic[], window: ReportWindow): LogSummary {
  const requests = total(traffic, requestsOf);
  const success = total(traffic, (b) => b.primary + b.backup + b.local);
  const exhausted = total(traffic, (b) => b.exhausted);
  const interrupted = total(traffic, (b) => b.interrupted);
  const fellBack = total(traffic, (b) => b.backup + b.local + b.exhausted);
  const skips = total(traffic, (b) => b.skippedPrimary + b.skippedBackup);
  const fallbacks = fellBack + total(traffic, (b) => b.local + b.exhausted);
  const down = total(traffic, (b) => b.skippedPrimary) / Math.max(1, requests);
  return {
    requests,
    outcomes: { ...(success ? { success } : {}), ...(exhausted ? { exhausted } : {}), ...(interrupted ? { interrupted } : {}) },
    withFallback: fellBack,
    answeredByBackup: total(traffic, (b) => b.backup + b.local),
    calls: requests + fallbacks - skips,
    skips,
    retries: Math.round(requests * 0.02),
    fallbacks,
    resets: interrupted,
    hedged: total(traffic, (b) => b.hedged),
    hedges: total(traffic, (b) => b.hedged),
    hedgesWon: total(traffic, (b) => b.hedgesWon),
    costAnswer: total(traffic, (b) => b.primary * 0.0042 + b.backup * 0.0061),
    costWasted: (fallbacks - skips) * 0.0009,
    costIncomplete: total(traffic, (b) => b.local),
    durationP50Ms: success ? Math.round(900 + 600 * down) : undefined,
    durationP95Ms: success ? Math.round(3200 + 4000 * down) : undefined,
    dropped: droppedAt >= window.from && droppedAt < window.to ? 3 : 0,
  };
}

function latency(traffic: readonly BucketTraffic[]): ModelLatency[] {
  const row = (model: string, calls: number, p50Ms: number, p95Ms: number, firstToken?: [number, number]) =>
    calls === 0
      ? []
      : [
          {
            model,
            calls,
            p50Ms,
            p95Ms,
            firstTokenCalls: firstToken ? Math.round(calls * 0.6) : 0,
            firstTokenP50Ms: firstToken?.[0],
            firstTokenP95Ms: firstToken?.[1],
          },
        ];
  return [
    ...row(
      primary,
      total(traffic, (b) => b.primary),
      850,
      2600,
      [320, 900],
    ),
    ...row(
      backup,
      total(traffic, (b) => b.backup),
      1100,
      3400,
      [410, 1200],
    ),
    ...row(
      local,
      total(traffic, (b) => b.local),
      2300,
      5200,
    ),
  ];
}

function spendTotals(calls: number, input: number, output: number, price: number | undefined) {
  return {
    calls,
    inputTokens: calls * input,
    cachedInputTokens: Math.round(calls * input * 0.3),
    cacheWriteTokens: 0,
    outputTokens: calls * output,
    cost: price === undefined ? 0 : calls * price,
    unpricedCalls: price === undefined ? calls : 0,
  };
}

function spend(traffic: readonly BucketTraffic[]): ModelSpend[] {
  const primaryFailed = total(traffic, (b) => b.backup + b.local + b.exhausted - b.skippedPrimary);
  const backupFailed = total(traffic, (b) => b.local + b.exhausted);
  const rows: ModelSpend[] = [
    {
      model: primary,
      answered: spendTotals(
        total(traffic, (b) => b.primary),
        1200,
        280,
        0.0042,
      ),
      wasted: spendTotals(Math.max(0, primaryFailed), 1200, 20, 0.0009),
    },
    {
      model: backup,
      answered: spendTotals(
        total(traffic, (b) => b.backup),
        1200,
        300,
        0.0061,
      ),
      wasted: spendTotals(backupFailed, 1200, 15, 0.0009),
    },
    {
      model: local,
      answered: spendTotals(
        total(traffic, (b) => b.local),
        1200,
        260,
        undefined,
      ),
      wasted: spendTotals(
        total(traffic, (b) => b.exhausted),
        1200,
        0,
        undefined,
      ),
    },
  ];
  return rows.filter((row) => row.answered.calls + row.wasted.calls > 0);
}

function fallbackRates(traffic: readonly BucketTraffic[]): FallbackRate[] {
  const primaryCalls = total(traffic, (b) => requestsOf(b) - b.skippedPrimary);
  const primaryLeft = Math.max(
    0,
    total(traffic, (b) => b.backup + b.local + b.exhausted - b.skippedPrimary),
  );
  const backupCalls = total(traffic, (b) => b.backup + b.local + b.exhausted + b.interrupted - b.skippedBackup);
  const backupLeft = total(traffic, (b) => b.local + b.exhausted);
  const rate = (model: string, reason: FallbackRate["reason"], fallbacks: number, requests: number) =>
    fallbacks > 0 && requests > 0 ? [{ model, reason, fallbacks, requests, rate: fallbacks / requests }] : [];
  const overloaded = Math.round(primaryLeft * 0.6);
  const rateLimited = Math.round(primaryLeft * 0.3);
  return [
    ...rate(primary, "overloaded", overloaded, primaryCalls),
    ...rate(primary, "rate_limit", rateLimited, primaryCalls),
    ...rate(primary, "server", primaryLeft - overloaded - rateLimited, primaryCalls),
    ...rate(backup, "timeout", backupLeft, backupCalls),
  ];
}

const usage = {
  inputTokens: 1200,
  cachedInputTokens: 360,
  cacheWriteTokens: 0,
  outputTokens: 280,
  reasoningTokens: 0,
  estimated: false,
};

function listedRequest(
  requestId: string,
  startedAt: number,
  durationMs: number,
  tags: Record<string, string>,
  how: Partial<ReportedRequest> & Pick<ReportedRequest, "outcome">,
): ReportedRequest {
  const fallbacks = how.fallbacks ?? 0;
  return {
    requestId,
    startedAt,
    durationMs,
    chain: "support-bot",
    method: "stream",
    models: [primary, backup, local],
    tags,
    calls: fallbacks + 1,
    skips: 0,
    retries: 0,
    fallbacks,
    resets: 0,
    hedges: 0,
    hedgesWon: 0,
    usage,
    cost: {
      answer: how.outcome === "success" ? 0.0042 : 0,
      wasted: 0.0009 * fallbacks,
      total: 0.0042 + 0.0009 * fallbacks,
      complete: true,
    },
    ...how,
  };
}

const chat = { feature: "chat" };
const summarize = { feature: "summarize" };
const hostileTenant = { feature: "chat", tenant: `acme${hostileScript}` };
const at = (ago: number) => fixtureLastRequest - ago;

/** The requests the lists pick from: the slow and the failed, spread over the windows. */
const notableRequests: readonly ReportedRequest[] = [
  listedRequest("req-outage-slow", at(4.5 * hour), 14_200, chat, {
    outcome: "success",
    model: backup,
    provider: "openai",
    modelId: "gpt-4.1",
    fallbacks: 1,
    skips: 1,
    firstTokenMs: 2100,
  }),
  listedRequest("req-summary-slow", at(10 * hour), 9_100, summarize, {
    outcome: "success",
    model: primary,
    provider: "anthropic",
    modelId: "claude-sonnet",
    firstTokenMs: 800,
  }),
  listedRequest("req-tenant-slow", at(30 * minute), 12_000, hostileTenant, {
    outcome: "success",
    model: local,
    provider: "ollama",
    modelId: "llama-3",
    fallbacks: 2,
  }),
  listedRequest("req-recent", at(5 * minute), 3_100, chat, {
    outcome: "success",
    model: primary,
    provider: "anthropic",
    modelId: "claude-sonnet",
    firstTokenMs: 400,
  }),
  listedRequest("req-exhausted", at(4.2 * hour), 8_400, hostileTenant, {
    outcome: "exhausted",
    models: [primary, backup, hostileModel],
    errorName: "FallbackExhaustedError",
    errorKind: "overloaded",
    exhaustedReason: "all_failed",
    errorMessage: `every model failed; last said: ${hostileScript} ${hostileMarkup}`,
    fallbacks: 2,
  }),
  listedRequest("req-interrupted", at(45 * minute), 6_300, chat, {
    outcome: "interrupted",
    errorName: "StreamInterruptedError",
    errorKind: "stream_broken",
    errorMessage: "stream broke after content was shown",
    firstTokenMs: 500,
  }),
  listedRequest("req-filtered", at(2 * day), 700, summarize, {
    outcome: "surfaced",
    errorName: "ModelError",
    errorKind: "content_filter",
    errorMessage: "the provider's content filter refused the prompt",
  }),
  listedRequest("req-aborted", at(20 * hour), 2_500, chat, {
    outcome: "aborted",
    errorName: "AbortError",
    errorKind: "aborted",
    errorMessage: "the caller aborted",
  }),
];

const carries = (tags: Readonly<Record<string, string>>, tag: ReportTag | undefined) => !tag || tags[tag.key] === tag.value;

function listed(window: ReportWindow, tag: ReportTag | undefined): ReportedRequest[] {
  return notableRequests.filter((r) => r.startedAt >= window.from && r.startedAt < window.to && carries(r.tags, tag));
}

function view(window: ReportWindow, tagIndex: number | undefined): ReportView {
  const traffic = windowTraffic(window, tagIndex);
  const tag = tagIndex === undefined ? undefined : fixtureTags[tagIndex];
  const requests = listed(window, tag);
  return {
    summary: summary(traffic, window),
    requestsOverTime: requestsOverTime(traffic),
    skipsOverTime: skipsOverTime(traffic),
    unavailablePeriods: unavailablePeriods(traffic, window),
    fallbackRates: fallbackRates(traffic),
    latency: latency(traffic),
    spend: spend(traffic),
    slowest: [...requests].sort((a, b) => b.durationMs - a.durationMs).slice(0, 5),
    failed: requests.filter((r) => r.outcome !== "success").sort((a, b) => b.startedAt - a.startedAt),
    shadows: shadows(traffic),
  };
}

/** A backup shadowing a twentieth of the answered requests, its answers failing checks more often than the real ones. */
function shadows(traffic: readonly BucketTraffic[]): ReportView["shadows"] {
  const sampled = Math.floor(total(traffic, (b) => b.primary) / 20);
  if (sampled === 0) return [];
  const skipped = Math.floor(sampled / 5);
  const answered = sampled - skipped - 1;
  return [
    {
      model: "gpt-4.1-mini <b>shadow</b>",
      sampled,
      answered,
      failed: 1,
      skipped: { serving_fallbacks: skipped },
      shadowChecksFailed: Math.floor(answered / 4),
      realChecksFailed: Math.floor(answered / 10),
      cost: answered * 0.0007,
    },
  ];
}

const answer = (
  model: string,
  position: number,
  requestId: string,
  startedAt: number,
  tags: Record<string, string>,
  text: string,
) => ({
  model,
  position,
  requestId,
  startedAt,
  tags,
  answer: text,
});

/** Three prompts answered by several models, latest first; their text is partly hostile. */
const fixtureComparisons: readonly AnswerComparison[] = [
  {
    prompt: JSON.stringify({ messages: [{ role: "user", content: `Summarise this ticket: ${hostileScript}` }] }),
    lastAt: at(30 * minute),
    answers: [
      answer(primary, 0, "req-c1-primary", at(30 * minute), chat, "The customer cannot log in since the last update."),
      answer(backup, 1, "req-c1-backup", at(4.5 * hour), chat, `Login fails after the update. Quoted: ${hostileScript}`),
    ],
  },
  {
    prompt: JSON.stringify({ messages: [{ role: "user", content: "Which plan am I on?" }] }),
    lastAt: at(50 * minute),
    answers: [
      answer(backup, 1, "req-c3-backup", at(50 * minute), hostileTenant, "You are on the Team plan."),
      answer(hostileModel, 2, "req-c3-edge", at(52 * minute), hostileTenant, `Team plan ${hostileMarkup}`),
    ],
  },
  {
    prompt: JSON.stringify({
      system: "You are terse.",
      messages: [{ role: "user", content: "Translate 'bonjour' to English." }],
    }),
    lastAt: at(4.2 * hour),
    answers: [
      answer(primary, 0, "req-c2-primary", at(30 * hour), summarize, "Hello."),
      answer(local, 2, "req-c2-local", at(4.2 * hour), summarize, 'It means "hello" (or "good day").'),
    ],
  },
];

/**
 * A realistic report: windows over three days (whole log, last 24 hours, last
 * hour), three tag values (one of them hostile markup, one with no traffic in
 * the last hour), three models with an outage of the primary and a cooldown of
 * the backup, lists, and three answer comparisons with hostile text.
 */
export function reportFixture(): ReportData {
  const windows = reportWindows({ from: firstRequest, to: fixtureLastRequest });
  const views: Record<string, ReportView> = {};
  for (const window of windows) {
    views[viewKey(window.id)] = view(window, undefined);
    fixtureTags.forEach((_, index) => {
      views[viewKey(window.id, index)] = view(window, index);
    });
  }
  const whole = windows[0]?.id ?? "all";
  const tags = fixtureTags.map((tag, index) => ({ ...tag, requests: views[viewKey(whole, index)]?.summary.requests ?? 0 }));
  return {
    version: 1,
    generatedAt: fixtureLastRequest + 20 * minute,
    source: `support-bot.db ${hostileScript}`,
    filters: { chain: "support-bot" },
    span: { from: firstRequest, to: fixtureLastRequest },
    windows,
    tags,
    views,
    comparisons: fixtureComparisons,
    eval: evalFixture(),
  };
}

/** The report of an empty log, as `buildReport` makes it: no span, no windows, no views. */
export function emptyReportFixture(): ReportData {
  return {
    version: 1,
    generatedAt: fixtureLastRequest,
    source: "empty.db",
    filters: {},
    span: undefined,
    windows: [],
    tags: [],
    views: {},
    comparisons: [],
  };
}

/** The eval fixture's chain, in order: the primary, a backup below its threshold, an unpriced last resort named in markup. */
export const evalModels = ["claude", "gpt-4.1-mini", hostileModel] as const;

/** A prompt id of the eval fixture that is markup. */
export const hostilePromptId = `order${hostileMarkup}`;
/** A check whose name and reason are markup. */
export const hostileCheck = `contains:${hostileScript}`;

const evalModel = (
  model: string,
  position: number,
  figures: Partial<EvalModelResult> & Pick<EvalModelResult, "passed" | "failed" | "errors" | "checks">,
): EvalModelResult => ({
  model,
  position,
  passRate: figures.passed / 12,
  refusals: 0,
  latencyP50Ms: 800 + 300 * position,
  latencyP95Ms: 2100 + 500 * position,
  firstTokenP50Ms: 240 + 60 * position,
  firstTokenP95Ms: 610 + 90 * position,
  inputTokens: 1900,
  outputTokens: 2400 - 300 * position,
  cost: 0.041 / (position + 1),
  costComplete: true,
  belowThreshold: false,
  ...figures,
});

/** A long answer, so that the page must bound it. */
const longAnswer = `${"The order is for Ana: two blue mugs. ".repeat(15)}End.`;

/**
 * An eval of twelve prompts over three models: the first backup below its
 * threshold (with the JSON schema and the agreement failing), the last
 * resort unpriced, refusing once and its calls failing once; hostile text
 * in a model name, a prompt id, a check's name and reason, a prompt and the
 * answers.
 */
export function evalFixture(): EvalSection {
  const [primary, gpt, edge] = evalModels;
  return {
    name: `shop-assistant ${hostileScript}`,
    ranAt: fixtureLastRequest + 10 * minute,
    prompts: 12,
    models: [
      evalModel(primary, 0, {
        passed: 12,
        failed: 0,
        errors: 0,
        checks: [
          { check: "json-schema", passed: 4, total: 4 },
          { check: "tool-call:get_weather", passed: 3, total: 3 },
          { check: hostileCheck, passed: 2, total: 2 },
          { check: "judge", passed: 12, total: 12 },
        ],
      }),
      evalModel(gpt, 1, {
        passed: 9,
        failed: 3,
        errors: 0,
        threshold: 0.9,
        belowThreshold: true,
        checks: [
          { check: "json-schema", passed: 2, total: 4 },
          { check: "tool-call:get_weather", passed: 3, total: 3 },
          { check: hostileCheck, passed: 2, total: 2 },
          { check: "agrees-with-primary", passed: 10, total: 12 },
          { check: "judge", passed: 12, total: 12 },
        ],
      }),
      evalModel(edge, 2, {
        passed: 8,
        failed: 3,
        errors: 1,
        refusals: 1,
        cost: 0,
        costComplete: false,
        threshold: 0.5,
        checks: [
          { check: "json-schema", passed: 4, total: 4 },
          { check: "tool-call:get_weather", passed: 0, total: 3 },
          { check: hostileCheck, passed: 2, total: 2 },
          { check: "agrees-with-primary", passed: 9, total: 11 },
          { check: "judge", passed: 10, total: 11 },
        ],
      }),
    ],
    regressions: [
      {
        promptId: hostilePromptId,
        model: gpt,
        failedChecks: [
          { check: "json-schema", reason: "answer/quantity must be integer" },
          { check: hostileCheck, reason: `does not contain ${hostileScript}` },
        ],
        prompt: `Extract the order: ${hostileScript}`,
        primaryAnswer: longAnswer,
        answer: `{"quantity": "two", "note": "${hostileMarkup}"}`,
      },
      {
        promptId: "weather",
        model: edge,
        failedChecks: [{ check: "tool-call:get_weather", reason: "no call of get_weather" }],
        prompt: "Will I need an umbrella in Lyon today?",
        primaryAnswer: 'get_weather({"city":"Lyon"})',
        answer: "",
      },
    ],
  };
}

/** The page `understudy eval --report` writes: the eval, and the report of no log. */
export function evalOnlyReportFixture(): ReportData {
  return { ...emptyReportFixture(), source: "eval shop-assistant", eval: evalFixture() };
}
