import { type HeaderLookup, resetDurationMs, resetTimeMs } from "@understudy/core/adapter";

/** A limit's reset, and whether that limit is the one used up. */
interface Reset {
  readonly exhausted: boolean;
  readonly ms: number;
}

const openaiLimits = ["requests", "tokens"];
const anthropicLimits = ["requests", "tokens", "input-tokens", "output-tokens"];

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
    const ms = resetDurationMs(headers?.get(`x-ratelimit-reset-${limit}`));
    if (ms !== undefined) resets.push({ exhausted: headers?.get(`x-ratelimit-remaining-${limit}`) === "0", ms });
  }
  for (const limit of anthropicLimits) {
    const ms = resetTimeMs(headers?.get(`anthropic-ratelimit-${limit}-reset`), now);
    if (ms !== undefined) resets.push({ exhausted: headers?.get(`anthropic-ratelimit-${limit}-remaining`) === "0", ms });
  }
  const delay = resetDurationMs(retryDelay);
  if (delay !== undefined) resets.push({ exhausted: true, ms: delay });
  const exhausted = resets.filter((reset) => reset.exhausted);
  const candidates = (exhausted.length > 0 ? exhausted : resets).map((reset) => reset.ms);
  return candidates.length > 0 ? Math.min(...candidates) : undefined;
}
