import { existsSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { RequestLogReader } from "../reader/request-log-reader.ts";
import { SqliteRequestLogReader } from "../sqlite/sqlite-reader.ts";
import { type BuildReportOptions, buildReport } from "./build-report.ts";
import { renderReportHtml } from "./render-html.ts";
import type { ReportData } from "./report-data.ts";

/** Where the command writes: standard output and error, as streams or as test doubles. */
export interface CommandIO {
  /** Standard output: the page's path, or the JSON summary. */
  readonly out: (text: string) => void;
  /** Standard error: progress and errors. */
  readonly err: (text: string) => void;
  /** The directory relative paths start from. Default `process.cwd()`. */
  readonly cwd?: string;
  /** The clock. Default `Date.now`. */
  readonly now?: () => number;
}

/** A mistake in how the command was called: told in one line, exit code 2. */
export class UsageError extends Error {
  /** `UsageError`. */
  override readonly name = "UsageError";
}

/** The help `understudy report --help` prints. */
export const reportUsage = `Usage: understudy report <log> [options]

Reads a request log and writes one self-contained HTML page (no network needed to view it).

  <log>                 a SQLite log file, or a postgres:// (postgresql://) connection URL
  -o, --out <file>      where to write the page (default: understudy-report.html)
  --json                print a JSON summary on stdout (the page is then written only with --out)
  --from <time>         only requests from this time: an ISO date (2026-11-30T12:00Z) or an age (90m, 24h, 7d)
  --to <time>           only requests before this time (same forms)
  --chain <name>        only this chain's requests
  --tag <key=value>     only requests with this tag; repeat for several
  --tags <n>            how many tag values the page offers as filters (default 8)
  --limit <n>           rows in the slowest and failed lists (default 20)
  --quiet               no progress on stderr
  -h, --help            this help
`;

const options = {
  out: { type: "string", short: "o" },
  json: { type: "boolean" },
  from: { type: "string" },
  to: { type: "string" },
  chain: { type: "string" },
  tag: { type: "string", multiple: true },
  tags: { type: "string" },
  limit: { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Runs `understudy report` with `args` (what follows `report`) and returns its
 * exit code: 0 done, 1 the log could not be read, 2 a usage mistake. Never
 * throws; every error is told on `io.err` in one line, without a secret.
 */
export async function runReportCommand(args: readonly string[], io: CommandIO): Promise<number> {
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    if (parsed.values.help) {
      io.out(reportUsage);
      return 0;
    }
    await report(parsed.positionals, parsed.values, io);
    return 0;
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    const message = error instanceof Error ? error.message : String(error);
    io.err(`understudy report: ${redactUrls(message.split("\n")[0] ?? message)}\n`);
    if (usage) io.err("Run understudy report --help for the options.\n");
    return usage ? 2 : 1;
  }
}

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>["values"];

async function report(positionals: readonly string[], values: Values, io: CommandIO): Promise<void> {
  const [log, ...extra] = positionals;
  if (log === undefined) throw new UsageError("name the log to read: a SQLite file or a postgres:// URL");
  if (extra.length > 0) throw new UsageError(`one log at a time (got also ${extra.join(", ")})`);
  const now = io.now ?? Date.now;
  const cwd = io.cwd ?? process.cwd();
  const settings: BuildReportOptions = {
    source: sourceName(log),
    ...timeOption("from", values.from, now()),
    ...timeOption("to", values.to, now()),
    ...(values.chain === undefined ? {} : { chain: values.chain }),
    tags: tagsOption(values.tag ?? []),
    tagChoices: countOption("tags", values.tags, 8, 32),
    limit: countOption("limit", values.limit, 20, 500),
    now,
    ...(values.quiet ? {} : { onProgress: progressTo(io) }),
  };
  if (settings.from !== undefined && settings.to !== undefined && settings.from >= settings.to) {
    throw new UsageError("--from must come before --to");
  }
  const page = !values.json || values.out !== undefined ? outputPath(values.out, cwd) : undefined;
  const reader = await openReader(log, cwd);
  let data: ReportData;
  try {
    data = await buildReport(reader, settings);
  } finally {
    await reader.close();
  }
  if (page) {
    await writeFile(page, renderReportHtml(data)).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cannot write the page to ${page}: ${error.code ?? error.message}`);
    });
  }
  if (values.json) io.out(`${JSON.stringify(jsonSummary(data), null, 2)}\n`);
  if (page) (values.json ? io.err : io.out)(`${values.json ? "wrote " : ""}${page}\n`);
}

/** Where the page goes, checked before the log is read: a mistake here should not cost a long read. */
function outputPath(out: string | undefined, cwd: string): string {
  if (out?.trim() === "") throw new UsageError("--out needs a file name");
  const path = resolve(cwd, out ?? "understudy-report.html");
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`--out ${path} is a directory: name a file`);
  if (!existsSync(dirname(path))) throw new UsageError(`--out: no directory ${dirname(path)}`);
  return path;
}

const postgresUrl = /^postgres(?:ql)?:\/\//i;
const anyUrl = /^[a-z][a-z0-9+.-]*:\/\//i;

async function openReader(log: string, cwd: string): Promise<RequestLogReader> {
  if (postgresUrl.test(log)) {
    const { PostgresRequestLogReader } = await import("../postgres/postgres-reader.ts").catch((error: unknown) => {
      if (!String((error as Error).message).includes("'pg'")) throw error;
      throw new Error("reading a postgres log needs the pg package beside this one: npm install pg");
    });
    return new PostgresRequestLogReader({ connection: log, maxConnections: 1, readOnly: true });
  }
  if (anyUrl.test(log)) throw new UsageError(`${redactUrls(log)} is no log this reads: give a SQLite file or a postgres:// URL`);
  const path = resolve(cwd, log);
  // Opening a missing file would create an empty log: say it is missing instead.
  if (!existsSync(path)) throw new UsageError(`no log at ${path}: give the path SqliteSink writes to`);
  if (statSync(path).isDirectory()) throw new UsageError(`${path} is a directory: give the log file SqliteSink writes to`);
  // Read-only: a report changes nothing in the file, and refuses one that is not a request log.
  try {
    return new SqliteRequestLogReader(path, { readOnly: true });
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(message.includes(path) ? message : `cannot read ${path}: ${message}`);
  }
}

/** The log's name on the page: a database URL without its password. */
function sourceName(log: string): string {
  return postgresUrl.test(log) ? redactUrls(log) : log;
}

/**
 * Any URL's password, out of text that may be shown (a connection error
 * quotes its URL): the userinfo's (up to its last `@`, as pg reads an
 * unencoded one) and a `password=` parameter's.
 */
export function redactUrls(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)[^\s/?#]*@/gi, "$1***@")
    .replace(/([?&]password=)[^&#\s]*/gi, "$1***");
}

const age = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/;
const unitMs: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** ISO 8601 dates, with a time or without; no zone means UTC, as the page shows times. */
const isoDate = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
/** The range of a JavaScript Date, ±8.64e15 ms: beyond it no time can be shown. */
const maxTimeMs = 8.64e15;

/** `--from`/`--to`: an ISO date (UTC unless it says), or an age before now. */
function timeOption(name: "from" | "to", value: string | undefined, now: number): Partial<Record<"from" | "to", number>> {
  if (value === undefined) return {};
  const match = age.exec(value);
  const iso = isoDate.exec(value);
  const withZone = iso && !iso[1] ? `${value.length === 10 ? `${value}T00:00` : value}Z` : value;
  const at = match ? now - Number(match[1]) * (unitMs[match[2] as string] as number) : iso ? Date.parse(withZone) : Number.NaN;
  if (!Number.isFinite(at) || Math.abs(at) > maxTimeMs) {
    throw new UsageError(
      `--${name} must be an ISO date (2026-11-30T12:00Z; UTC without a zone) or an age (90m, 24h, 7d); got ${JSON.stringify(value)}`,
    );
  }
  return { [name]: Math.floor(at) };
}

function tagsOption(pairs: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const split = pair.indexOf("=");
    if (split <= 0) throw new UsageError(`--tag must be key=value; got ${JSON.stringify(pair)}`);
    tags[pair.slice(0, split)] = pair.slice(split + 1);
  }
  return tags;
}

/** A count option, bounded: every tag value offered is a view per window, and the page holds them all. */
function countOption(name: string, value: string | undefined, fallback: number, most: number): number {
  if (value === undefined) return fallback;
  const count = Number(value);
  if (!/^\d+$/.test(value) || count > most) {
    throw new UsageError(`--${name} must be a whole number from 0 to ${most}; got ${JSON.stringify(value)}`);
  }
  return count;
}

/** Progress on stderr, a line per tenth, so a large log shows it is working without flooding a CI log. */
function progressTo(io: CommandIO): (done: number, total: number) => void {
  let told = -1;
  return (done, total) => {
    const tenth = Math.floor((done * 10) / total);
    if (tenth === told) return;
    told = tenth;
    io.err(`understudy report: read ${done} of ${total} views\n`);
  };
}

/** The `--json` output: the whole window's figures, for scripts and CI checks. */
function jsonSummary(data: ReportData) {
  const whole = data.windows[0] ? data.views[data.windows[0].id] : undefined;
  return {
    source: data.source,
    generatedAt: new Date(data.generatedAt).toISOString(),
    filters: data.filters,
    span: data.span ? { from: new Date(data.span.from).toISOString(), to: new Date(data.span.to).toISOString() } : null,
    summary: whole?.summary ?? null,
    fallbackRates: whole?.fallbackRates ?? [],
    latency: whole?.latency ?? [],
    spend: whole?.spend ?? [],
    unavailablePeriods: whole?.unavailablePeriods ?? [],
    tags: data.tags,
  };
}
