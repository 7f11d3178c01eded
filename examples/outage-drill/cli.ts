// The outage drill's command line: its flags with their defaults, the help
// text, and the parsing that turns any mistake into a one-line error.
import { parseArgs } from "node:util";
import type { DrillOptions } from "./drill.ts";

interface Flag {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** What the flag's value stands for in the help (string flags). */
  readonly value?: string;
  readonly default?: string;
  /** The help's description, one entry per line. */
  readonly help: readonly string[];
}

const flags = {
  "healthy-ms": { type: "string", value: "MS", default: "2000", help: ["length of the healthy phase"] },
  "spike-ms": { type: "string", value: "MS", default: "1500", help: ["length of the rate-limit spike"] },
  "outage-ms": { type: "string", value: "MS", default: "4000", help: ["length of the primary outage"] },
  "recovery-ms": { type: "string", value: "MS", default: "2500", help: ["length of the recovery"] },
  rate: { type: "string", value: "N", default: "12", help: ["requests started per second, each streamed"] },
  json: {
    type: "boolean",
    help: [
      "print the whole run as JSON on stdout (options, summary,",
      "every request, the server's log), not the panel and table;",
      "through pnpm, without its banner:",
      "pnpm --silent demo --json | jq .",
    ],
  },
  otel: {
    type: "boolean",
    help: [
      "trace and measure the chain with @understudy/otel, then",
      "print what it recorded: spans by model and error.type,",
      "span events, metric totals; with OTEL_EXPORTER_OTLP_ENDPOINT",
      "set (e.g. http://localhost:4318), send it there too, over",
      "OTLP/HTTP",
    ],
  },
  live: {
    type: "boolean",
    help: [
      "instead of the drill, 5 real requests through Claude, then",
      "GPT-4.1 mini, then GPT-4.1 nano, with no fault injected;",
      "needs ANTHROPIC_API_KEY and OPENAI_API_KEY (under a cent);",
      "with GEMINI_API_KEY or GOOGLE_API_KEY set too, the last",
      "resort is Gemini 2.5 Flash instead of GPT-4.1 nano",
    ],
  },
  replicas: {
    type: "string",
    value: "N",
    default: "1",
    help: [
      "processes to run the drill in (default 1); from 2, it runs",
      "twice: each process with its own health, then with health",
      "shared through Redis (needs --redis)",
    ],
  },
  redis: {
    type: "string",
    value: "URL",
    help: ["the Redis that --replicas shares health through,", "e.g. redis://127.0.0.1:6379"],
  },
  "log-dir": {
    type: "string",
    value: "DIR",
    default: "demo-output",
    help: [
      "where the drill writes its request log (requests.db, SQLite)",
      "and the report made from it (report.html), to open in a",
      "browser afterwards",
    ],
  },
  help: { type: "boolean", short: "h", help: ["print this help"] },
} as const satisfies Record<string, Flag>;

type FlagName = keyof typeof flags;

const phaseFlags = ["healthy-ms", "spike-ms", "outage-ms", "recovery-ms"] as const satisfies readonly FlagName[];
const liveKeys = ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"] as const;
const maxReplicas = 32;

/** The short usage, printed after an error. */
export const usage = [
  "usage: pnpm demo [--healthy-ms MS] [--spike-ms MS] [--outage-ms MS]",
  "                 [--recovery-ms MS] [--rate N] [--json] [--otel] [--log-dir DIR]",
  "       pnpm demo --replicas N --redis URL [the phase flags, --rate, --json]",
  "       pnpm demo --live [--json] [--otel] [--log-dir DIR]",
  "       pnpm demo --help     what the drill does, and every flag",
].join("\n");

/** The text of `--help`. */
export function helpText(): string {
  const rows = Object.entries(flags).map(([name, flag]: [string, Flag]) => {
    const short = flag.short ? `-${flag.short}, ` : "";
    const label = `${short}--${name}${flag.value ? ` ${flag.value}` : ""}`;
    const help =
      flag.default === undefined || flag.help.join(" ").includes("(default")
        ? flag.help
        : [...flag.help.slice(0, -1), `${flag.help.at(-1)} (default ${flag.default})`];
    return help.map((line, index) => `  ${(index === 0 ? label : "").padEnd(17)} ${line}`).join("\n");
  });
  return `usage: pnpm demo [flags]
   or: node --conditions=@understudy/source examples/outage-drill/main.ts

The outage drill. It starts a local fault server that speaks the Anthropic,
OpenAI and Gemini wire formats, builds a chain of three models from three
providers over their real SDKs (Claude, then GPT as the backup, then Gemini as
the last resort; no API key needed), and sends steady streamed traffic through
four phases:

  healthy           every model answers; Claude, the primary, answers all
  rate-limit spike  Claude answers 429 with Retry-After 2 s, longer than the
                    chain waits (1 s): Claude cools down and GPT answers
  primary outage    Claude answers 529 (overloaded): after its retries its
                    breaker opens, and it is skipped but for a probe now and
                    then; in the last third GPT browns out too (500s), and
                    Gemini answers
  recovery          every model answers; Claude's probe succeeds, its breaker
                    closes, and the traffic returns to it

On a terminal a live panel shows the phase, each model's breaker and the last
requests (elsewhere, one line per request); then a summary: who answered,
failovers by reason, the primary's calls in the outage, latency and cost.
Every request is recorded with @understudy/request-log; at the end the drill
writes the log and its report (understudy report's page) and prints where.

Flags:
${rows.join("\n")}

Exit code: 0 when every request was answered, 1 when one was not or the run
failed, 2 for a bad flag or value, or a missing API key.
`;
}

/** What the command line asks for. */
export type DrillCommand =
  | { readonly kind: "help" }
  | { readonly kind: "error"; readonly message: string; readonly showUsage: boolean }
  | {
      readonly kind: "run";
      readonly options: DrillOptions;
      readonly json: boolean;
      readonly live: boolean;
      readonly otel: boolean;
      readonly replicas: number;
      readonly redis: string | undefined;
      /** Where the request log and report go; undefined with --replicas, whose processes keep none. */
      readonly logDir: string | undefined;
    };

/** Reads the drill's arguments (without node's and the script's own); never throws. */
export function parseDrillArgs(args: readonly string[], env: Readonly<Record<string, string | undefined>>): DrillCommand {
  let values: Partial<Record<FlagName, string | boolean>>;
  try {
    // No defaults here: a flag left out stays undefined, so the checks below know what was given.
    const options = Object.fromEntries(
      Object.entries(flags).map(([name, flag]: [string, Flag]) => [
        name,
        { type: flag.type, ...(flag.short && { short: flag.short }) },
      ]),
    );
    values = parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values as typeof values;
  } catch (error) {
    return { kind: "error", message: parseError(error), showUsage: true };
  }
  if (values.help) return { kind: "help" };

  const given = (name: FlagName) => values[name] !== undefined;
  const number = (name: Exclude<FlagName, "json" | "otel" | "live" | "help" | "redis" | "log-dir">): number | string => {
    const raw = values[name];
    const text = typeof raw === "string" ? raw : flags[name].default;
    const value = Number(text);
    if (name === "replicas") {
      return Number.isInteger(value) && value >= 1 && value <= maxReplicas && text.trim() !== ""
        ? value
        : `--replicas must be a whole number from 1 to ${maxReplicas}, got ${JSON.stringify(text)}`;
    }
    const what = name === "rate" ? "a number of requests per second" : "a duration in milliseconds";
    return Number.isFinite(value) && value > 0 && text.trim() !== ""
      ? value
      : `--${name} must be ${what}, above 0, got ${JSON.stringify(text)}`;
  };

  const numbers = {
    healthyMs: number("healthy-ms"),
    spikeMs: number("spike-ms"),
    outageMs: number("outage-ms"),
    recoveryMs: number("recovery-ms"),
    rate: number("rate"),
    replicas: number("replicas"),
  };
  const wrong = Object.values(numbers).find((value) => typeof value === "string");
  if (typeof wrong === "string") return { kind: "error", message: wrong, showUsage: true };
  const { replicas, ...options } = numbers as Record<keyof typeof numbers, number>;
  const live = values.live === true;
  const redis = typeof values.redis === "string" ? values.redis : undefined;

  if (live) {
    const ignored = [...phaseFlags, "rate", "replicas", "redis"].find((name) => given(name as FlagName));
    if (ignored) {
      return {
        kind: "error",
        message: `--${ignored} does not apply to --live, which sends 5 real requests with no fault injected`,
        showUsage: true,
      };
    }
    const missing = liveKeys.filter((key) => !env[key]);
    if (missing.length > 0) {
      return {
        kind: "error",
        message: `--live needs ${missing.join(" and ")} in the environment (it sends real requests to Anthropic and OpenAI); set ${missing.length > 1 ? "them" : "it"}, or drop --live to run the drill against the local fault server`,
        showUsage: false,
      };
    }
  }
  if (replicas > 1 && !redis) {
    return {
      kind: "error",
      message: "--replicas needs --redis URL (e.g. --redis redis://127.0.0.1:6379), to compare health alone with health shared",
      showUsage: true,
    };
  }
  if (redis && replicas < 2) {
    return { kind: "error", message: "--redis is used only with --replicas N, N from 2 (e.g. --replicas 3)", showUsage: true };
  }
  const otel = values.otel === true;
  if (otel && replicas > 1) {
    return {
      kind: "error",
      message: "--otel instruments the chain of one process: drop --replicas, or --otel",
      showUsage: true,
    };
  }
  const logDir = typeof values["log-dir"] === "string" ? values["log-dir"] : flags["log-dir"].default;
  if (replicas > 1 && given("log-dir")) {
    return { kind: "error", message: "--log-dir applies to one process's drill: drop --replicas, or --log-dir", showUsage: true };
  }
  if (logDir.trim() === "") return { kind: "error", message: "--log-dir needs a directory, got an empty one", showUsage: true };
  const json = values.json === true;
  return { kind: "run", options, json, live, otel, replicas, redis, logDir: replicas > 1 ? undefined : logDir };
}

/** node's parseArgs error, as one line naming the flag. */
function parseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? "";
  const flag = quoted.split(" ")[0] ?? quoted;
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const suggestion = closestFlag(flag);
      return `unknown flag ${flag}${suggestion ? ` (did you mean --${suggestion}?)` : ""}`;
    }
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /does not take an argument/.test(message) ? `${flag} takes no value` : `${flag} needs a value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${JSON.stringify(quoted)}: every flag starts with --`;
    default:
      return message.split("\n")[0] ?? message;
  }
}

/** The flag a typo most likely meant, if one is close. */
function closestFlag(typed: string): string | undefined {
  const bare = typed.replace(/^-+/, "").split("=")[0] ?? "";
  let best: { name: string; distance: number } | undefined;
  for (const name of Object.keys(flags)) {
    const distance = editDistance(bare, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * With `--json` through plain `pnpm demo` into a pipe, pnpm has already written
 * its banner (`> understudy-monorepo@ demo …`) to stdout, so what follows is
 * not JSON alone: the note that says so, for stderr, or undefined.
 */
export function pnpmBannerNote(env: Readonly<Record<string, string | undefined>>, stdoutIsTTY: boolean): string | undefined {
  if (stdoutIsTTY || env.npm_lifecycle_event !== "demo" || env.npm_config_reporter === "silent") return undefined;
  return "pnpm demo: pnpm wrote its banner to stdout before this JSON; for JSON alone, run pnpm --silent demo --json";
}
