import { boundedDelayMs, type HeaderLookup } from "@understudy/core/adapter";

/** A limit's reset, and whether that limit is the one used up. */
interface Reset {
  readonly exhausted: boolean;
  readonly ms: number;
}

const openaiLimits = ["requests", "tokens"];
const anthropicLimits = ["requests", "tokens", "input-tokens", "output-tokens"];
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/;

/**
 * How long a 429 without `retry-after` asks to wait, from what else the
 * provider sent: OpenAI's `x-ratelimit-reset-*` durations (`6m0s`),
 * Anthropic's `anthropic-ratelimit-*-reset` times (RFC 3339), or Google's
 * `RetryInfo.retryDelay` in the body (`34s`). The reset of a limit that is
 * used up (`remaining: 0`) wins over the others; the soonest is taken.
 * Whole ms, bounded; `undefined` when nothing is readable. Only for a 429:
 * on any other answer these headers describe the window, not a delay.
 */
export function rateLimitResetMs(
  headers: HeaderLookup | undefined,
  retryDelay: string | undefined,
  now: number = Date.now(),
): number | undefined {
  const resets: Reset[] = [];
  for (const limit of openaiLimits) {
    const ms = durationMs(headers?.get(`x-ratelimit-reset-${limit}`));
    if (ms !== undefined) resets.push({ exhausted: headers?.get(`x-ratelimit-remaining-${limit}`) === "0", ms });
  }
  for (const limit of anthropicLimits) {
    const ms = untilMs(headers?.get(`anthropic-ratelimit-${limit}-reset`), now);
    if (ms !== undefined) resets.push({ exhausted: headers?.get(`anthropic-ratelimit-${limit}-remaining`) === "0", ms });
  }
  const delay = durationMs(retryDelay);
  if (delay !== undefined) resets.push({ exhausted: true, ms: delay });
  const exhausted = resets.filter((reset) => reset.exhausted);
  const candidates = (exhausted.length > 0 ? exhausted : resets).map((reset) => reset.ms);
  return candidates.length > 0 ? Math.min(...candidates) : undefined;
}

const units: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** `6m0s`, `1.5s`, `12ms`, `1h2m3s`, `34s` in whole, bounded ms; `undefined` for anything else. */
function durationMs(value: string | null | undefined): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let total = 0;
  let matched = "";
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number.parseFloat(match[1] ?? "0") * (units[match[2] ?? ""] ?? 0);
    matched += match[0];
  }
  return matched === text ? boundedDelayMs(total) : undefined;
}

/** The delay until an RFC 3339 time: 0 once it has passed; `undefined` when unreadable. */
function untilMs(value: string | null | undefined, now: number): number | undefined {
  // Only an RFC 3339 time: V8's Date.parse also takes "-5" (the year -5) and other odd strings.
  const at = value && rfc3339.test(value.trim()) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : boundedDelayMs(Math.max(0, at - now));
}
