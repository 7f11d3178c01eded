import { parseArgs } from "node:util";

/** What `pnpm soak` was asked to do. */
export interface SoakOptions {
  /** Requests to send (at most). */
  readonly requests: number;
  /** Wall-clock cap, in seconds: no request starts after it. */
  readonly seconds: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Seed of every random choice (faults, callers, requests). */
  readonly seed: number;
  /** Print usage and exit. */
  readonly help: boolean;
}

export const usage = `pnpm soak [--requests N] [--seconds S] [--concurrency C] [--seed N]

  --requests N      requests to send (default 3000)
  --seconds S       stop starting requests after S seconds (default 45), then let those in flight finish
  --concurrency C   requests in flight at once (default 16)
  --seed N          seed of every random choice, to replay a run (default: a fresh one, printed)
  --help            this text

Sends requests with random faults (through the fault server, all three providers, the real adapters),
random aborts, breaks and cancels, through a chain with retries, breakers and short timers; prints
the outcomes, latency, heap and handles; exits 1 if any invariant broke (see chaos/README.md).
CHAOS_TOLERATE=<id>,… looks past known issues.`;

/** A bad command line: the message names the flag and shows the usage. */
export class SoakUsageError extends Error {
  constructor(problem: string) {
    super(`${problem}\n\n${usage}`);
    this.name = "SoakUsageError";
  }
}

function wholeNumber(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new SoakUsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${raw}".`);
  }
  return value;
}

/** Reads the command line; an unknown or bad flag throws a {@link SoakUsageError} that names it. */
export function parseSoakOptions(
  args: readonly string[],
  randomSeed: () => number = () => Math.floor(Math.random() * 2 ** 31),
): SoakOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        requests: { type: "string" },
        seconds: { type: "string" },
        concurrency: { type: "string" },
        seed: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new SoakUsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, "."));
  }
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === "string" ? value : undefined;
  };
  return {
    requests: wholeNumber("requests", text("requests"), 3_000, 1, 10_000_000),
    seconds: wholeNumber("seconds", text("seconds"), 45, 1, 86_400),
    concurrency: wholeNumber("concurrency", text("concurrency"), 16, 1, 1_024),
    seed: wholeNumber("seed", text("seed"), randomSeed(), 0, 2 ** 31 - 1),
    help: values.help === true,
  };
}
