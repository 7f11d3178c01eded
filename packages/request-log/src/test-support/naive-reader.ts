import type { ModelErrorKind, ShadowSkipReason, SkipReason } from "@understudy/core";
import type {
  AnswerComparison,
  BucketQuery,
  ComparedAnswer,
  FallbackRate,
  ListQuery,
  LogQuery,
  LogSummary,
  ModelLatency,
  ModelSpend,
  RequestBucket,
  RequestLogReader,
  ShadowSummary,
  SkipBucket,
  SpendTotals,
  TagCount,
  TimeSpan,
  UnavailablePeriod,
} from "../reader/request-log-reader.ts";
import { healthSkipReasons, periodsOf } from "../reader/unavailable-periods.ts";
import type { AttemptRecordRow } from "../records/attempt-record-row.ts";
import type { DroppedRequests, LoggedRequest } from "../records/request-log-batch.ts";
import type { RequestRecord } from "../records/request-record.ts";
import type { ShadowRecord } from "../records/shadow-record.ts";

// The reader's definitions computed the plain way, over arrays in memory: what
// the SQL answers are checked against.

const compare = (a: string | number | null, b: string | number | null): number => {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
};

const byKeys =
  <T>(...keys: ((item: T) => string | number | null)[]) =>
  (a: T, b: T): number => {
    for (const key of keys) {
      const order = compare(key(a), key(b));
      if (order !== 0) return order;
    }
    return 0;
  };

/** The nearest-rank percentile of sorted values: the value at rank ⌈p·n/100⌉. */
export function nearestRank(sorted: readonly number[], percent: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.ceil((percent * sorted.length) / 100) - 1];
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

/** A {@link RequestLogReader} over arrays, each answer computed the plain way. */
export class NaiveReader implements RequestLogReader {
  private readonly logged: readonly LoggedRequest[];
  private readonly drops: readonly DroppedRequests[];
  private readonly shadows: readonly ShadowRecord[];

  constructor(logged: readonly LoggedRequest[], drops: readonly DroppedRequests[] = [], shadows: readonly ShadowRecord[] = []) {
    this.logged = logged;
    this.drops = drops;
    this.shadows = shadows;
  }

  async shadowSummary(query: LogQuery = {}): Promise<ShadowSummary[]> {
    const ids = new Set(this.matching(query).map((l) => l.record.requestId));
    const groups = countBy(
      this.shadows.filter((s) => ids.has(s.requestId)),
      (s) => s.model,
    );
    return [...groups.entries()].sort(byKeys(([model]) => model)).map(([model, rows]) => {
      const skipped: Partial<Record<ShadowSkipReason, number>> = {};
      for (const row of rows) if (row.skipReason) skipped[row.skipReason] = (skipped[row.skipReason] ?? 0) + 1;
      const answered = rows.filter((row) => row.outcome === "answered");
      return {
        model,
        sampled: rows.length,
        answered: answered.length,
        failed: rows.filter((row) => row.outcome === "failed").length,
        skipped,
        shadowChecksFailed: answered.filter((row) => row.failedCheck !== undefined).length,
        realChecksFailed: answered.filter((row) => row.realFailedCheck !== undefined).length,
        cost: sum(rows.map((row) => row.cost ?? 0)),
      };
    });
  }

  private matching(query: LogQuery): LoggedRequest[] {
    return this.logged.filter(({ record: r }) => {
      if (query.from !== undefined && r.startedAt < query.from) return false;
      if (query.to !== undefined && r.startedAt >= query.to) return false;
      if (query.chain !== undefined && r.chain !== query.chain) return false;
      return Object.entries(query.tags ?? {}).every(([key, value]) => r.tags[key] === value);
    });
  }

  private attempts(query: LogQuery): AttemptRecordRow[] {
    return this.matching(query).flatMap((logged) => logged.attempts);
  }

  async summary(query: LogQuery = {}): Promise<LogSummary> {
    const records = this.matching(query).map((l) => l.record);
    const outcomes: Record<string, number> = {};
    for (const r of records) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    const durations = records
      .filter((r) => r.outcome === "success")
      .map((r) => r.durationMs)
      .sort((a, b) => a - b);
    const dropped = this.drops.filter(
      (d) =>
        (query.from === undefined || d.at >= query.from) &&
        (query.to === undefined || d.at < query.to) &&
        (query.chain === undefined || d.chain === query.chain),
    );
    return {
      requests: records.length,
      outcomes,
      withFallback: records.filter((r) => r.fallbacks > 0).length,
      answeredByBackup: records.filter((r) => r.outcome === "success" && r.model !== r.models[0]).length,
      calls: sum(records.map((r) => r.calls)),
      skips: sum(records.map((r) => r.skips)),
      retries: sum(records.map((r) => r.retries)),
      fallbacks: sum(records.map((r) => r.fallbacks)),
      resets: sum(records.map((r) => r.resets)),
      hedged: records.filter((r) => r.hedges > 0).length,
      hedges: sum(records.map((r) => r.hedges)),
      hedgesWon: sum(records.map((r) => r.hedgesWon)),
      costAnswer: sum(records.map((r) => r.cost.answer)),
      costWasted: sum(records.map((r) => r.cost.wasted)),
      costIncomplete: records.filter((r) => !r.cost.complete).length,
      durationP50Ms: nearestRank(durations, 50),
      durationP95Ms: nearestRank(durations, 95),
      dropped: sum(dropped.map((d) => d.count)),
    };
  }

  async requestsOverTime(query: BucketQuery): Promise<RequestBucket[]> {
    const records = this.matching(query).map((l) => l.record);
    const bucketOf = (r: RequestRecord) => Math.floor(r.startedAt / query.bucketMs) * query.bucketMs;
    const groups = countBy(records, (r) => JSON.stringify([bucketOf(r), r.outcome, r.model ?? null]));
    return [...groups.values()]
      .map((rs) => {
        const r = rs[0] as RequestRecord;
        return { bucketStart: bucketOf(r), outcome: r.outcome, model: r.model ?? null, requests: rs.length };
      })
      .sort(
        byKeys(
          (b) => b.bucketStart,
          (b) => b.outcome,
          (b) => b.model,
        ),
      );
  }

  async fallbackRates(query: LogQuery = {}): Promise<FallbackRate[]> {
    const logged = this.matching(query);
    const rates: FallbackRate[] = [];
    const left = countBy(
      logged.flatMap((l) => l.attempts.filter((a) => a.fellBack)),
      (a) => JSON.stringify([a.model, a.kind]),
    );
    for (const rows of left.values()) {
      const { model, kind } = rows[0] as AttemptRecordRow;
      const requests = logged.filter((l) => l.attempts.some((a) => a.model === model && a.outcome !== "skipped")).length;
      rates.push({ model, reason: kind as ModelErrorKind, fallbacks: rows.length, requests, rate: rows.length / requests });
    }
    return rates.sort(
      byKeys(
        (r) => r.model,
        (r) => r.reason,
      ),
    );
  }

  async skipsOverTime(query: BucketQuery): Promise<SkipBucket[]> {
    const skips = this.attempts(query).filter((a) => a.outcome === "skipped");
    const bucketOf = (a: AttemptRecordRow) => Math.floor(a.startedAt / query.bucketMs) * query.bucketMs;
    const groups = countBy(skips, (a) => JSON.stringify([bucketOf(a), a.model, a.skipReason]));
    return [...groups.values()]
      .map((rows) => {
        const a = rows[0] as AttemptRecordRow;
        return { bucketStart: bucketOf(a), model: a.model, reason: a.skipReason as SkipReason, skips: rows.length };
      })
      .sort(
        byKeys(
          (b) => b.bucketStart,
          (b) => b.model,
          (b) => b.reason,
        ),
      );
  }

  async unavailablePeriods(query: LogQuery & { readonly gapMs?: number } = {}): Promise<UnavailablePeriod[]> {
    const skips = this.attempts(query)
      .filter((a) => a.outcome === "skipped" && healthSkipReasons.includes(a.skipReason as SkipReason))
      .sort(
        byKeys(
          (a) => a.model,
          (a) => a.startedAt,
          (a) => a.requestId,
          (a) => a.seq,
        ),
      );
    return periodsOf(
      skips.map((a) => ({ model: a.model, at: a.startedAt, reason: a.skipReason as SkipReason })),
      query.gapMs ?? 60_000,
    );
  }

  async latencyByModel(query: LogQuery = {}): Promise<ModelLatency[]> {
    const answers = countBy(
      this.attempts(query).filter((a) => a.outcome === "success"),
      (a) => a.model,
    );
    return [...answers]
      .map(([model, rows]) => {
        const durations = rows.map((a) => a.durationMs).sort((a, b) => a - b);
        const firstTokens = rows.flatMap((a) => (a.firstTokenMs === undefined ? [] : [a.firstTokenMs])).sort((a, b) => a - b);
        return {
          model,
          calls: rows.length,
          p50Ms: nearestRank(durations, 50) as number,
          p95Ms: nearestRank(durations, 95) as number,
          firstTokenCalls: firstTokens.length,
          firstTokenP50Ms: nearestRank(firstTokens, 50),
          firstTokenP95Ms: nearestRank(firstTokens, 95),
        };
      })
      .sort(byKeys((l) => l.model));
  }

  async spendByModel(query: LogQuery = {}): Promise<ModelSpend[]> {
    const calls = countBy(
      this.attempts(query).filter((a) => a.outcome !== "skipped"),
      (a) => a.model,
    );
    const totals = (rows: readonly AttemptRecordRow[]): SpendTotals => ({
      calls: rows.length,
      inputTokens: sum(rows.map((a) => a.usage?.inputTokens ?? 0)),
      cachedInputTokens: sum(rows.map((a) => a.usage?.cachedInputTokens ?? 0)),
      cacheWriteTokens: sum(rows.map((a) => a.usage?.cacheWriteTokens ?? 0)),
      outputTokens: sum(rows.map((a) => a.usage?.outputTokens ?? 0)),
      cost: sum(rows.map((a) => a.cost ?? 0)),
      unpricedCalls: rows.filter((a) => a.usage !== undefined && a.cost === undefined).length,
    });
    return [...calls]
      .map(([model, rows]) => ({
        model,
        answered: totals(rows.filter((a) => a.outcome === "success")),
        wasted: totals(rows.filter((a) => a.outcome !== "success")),
      }))
      .sort(byKeys((s) => s.model));
  }

  async slowest(query: ListQuery = {}): Promise<RequestRecord[]> {
    return this.matching(query)
      .map((l) => l.record)
      .sort(
        byKeys(
          (r) => -r.durationMs,
          (r) => -r.startedAt,
          (r) => r.requestId,
        ),
      )
      .slice(0, query.limit ?? 20);
  }

  async failed(query: ListQuery = {}): Promise<RequestRecord[]> {
    return this.matching(query)
      .map((l) => l.record)
      .filter((r) => r.outcome !== "success")
      .sort(
        byKeys(
          (r) => -r.startedAt,
          (r) => r.requestId,
        ),
      )
      .slice(0, query.limit ?? 20);
  }

  async timeSpan(query: LogQuery = {}): Promise<TimeSpan | undefined> {
    const starts = this.matching(query).map((l) => l.record.startedAt);
    return starts.length === 0 ? undefined : { from: Math.min(...starts), to: Math.max(...starts) };
  }

  async topTags(query: ListQuery = {}): Promise<TagCount[]> {
    const pairs = this.matching(query).flatMap((l) => Object.entries(l.record.tags));
    const groups = countBy(pairs, (pair) => JSON.stringify(pair));
    return [...groups.values()]
      .map((same) => ({ key: (same[0] as [string, string])[0], value: (same[0] as [string, string])[1], requests: same.length }))
      .sort(
        byKeys(
          (t) => -t.requests,
          (t) => t.key,
          (t) => t.value,
        ),
      )
      .slice(0, query.limit ?? 20);
  }

  async answerComparisons(query: ListQuery = {}): Promise<AnswerComparison[]> {
    const answered = this.matching(query)
      .map((l) => l.record)
      .filter((r) => r.outcome === "success" && r.prompt !== undefined && r.answer !== undefined && r.model !== undefined);
    const latest = new Map<string, RequestRecord>();
    for (const r of answered) {
      const key = JSON.stringify([r.prompt, r.model]);
      const seen = latest.get(key);
      if (!seen || compare(seen.startedAt, r.startedAt) < 0 || (seen.startedAt === r.startedAt && seen.requestId < r.requestId)) {
        latest.set(key, r);
      }
    }
    const byPrompt = countBy([...latest.values()], (r) => r.prompt as string);
    return [...byPrompt.entries()]
      .filter(([, records]) => records.length > 1)
      .map(([prompt, records]) => ({
        prompt,
        lastAt: Math.max(...records.map((r) => r.startedAt)),
        answers: records.map(comparedAnswer).sort(
          byKeys(
            (a) => a.position,
            (a) => a.model,
          ),
        ),
      }))
      .sort(
        byKeys(
          (c) => -c.lastAt,
          (c) => c.prompt,
        ),
      )
      .slice(0, query.limit ?? 20);
  }

  async request(requestId: string): Promise<LoggedRequest | undefined> {
    return this.logged.find((l) => l.record.requestId === requestId);
  }

  async close(): Promise<void> {}
}

function comparedAnswer(r: RequestRecord): ComparedAnswer {
  const model = r.model as string;
  return {
    model,
    position: r.models.indexOf(model),
    requestId: r.requestId,
    startedAt: r.startedAt,
    tags: r.tags,
    answer: r.answer as string,
  };
}
