import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { CommandIO, ReportData } from "@understudy/request-log";
import { toEvalSection } from "../report/eval-section.ts";
import { belowThreshold, formatEstimate, formatRun } from "../report/format-run.ts";
import type { EvalRun } from "../run/eval-run.ts";
import type { EvalProgress } from "../run/run-eval.ts";
import { runEval } from "../run/run-eval.ts";
import { defineEval, type EvalSuite, isEvalSuite } from "../suite/define-eval.ts";
import { isEvalSuiteError } from "../suite/eval-suite-error.ts";
import { loadPrompts } from "../suite/load-prompts.ts";

/** Where `understudy eval` writes, and what stops it. */
export interface EvalCommandIO extends CommandIO {
  /** Stops the run (Ctrl-C): calls in flight are cancelled and what was done is reported. */
  readonly signal?: AbortSignal;
}

/** The help `understudy eval --help` prints. */
export const evalUsage = `Usage: understudy eval <config> [options]

Runs every prompt of an eval on each model of its chain on its own (no fallback), checks the
answers, and prints per model: pass rate, checks, refusals, latency, time to first token,
tokens and cost, and the prompts a backup failed that the primary passed.

  <config>              a module (.ts, .mts, .js, .mjs) whose default export is defineEval(...)
  --prompts <file>      a JSONL prompt set, in place of the config's prompts
  --json                print the run as JSON on stdout
  --results <file>      keep each outcome in this JSONL file; a rerun skips the pairs it holds
  --max-cost <n>        refuse to start when the estimate is above n; start no call once n is spent
  --concurrency <n>     calls in flight at once (default: the config's, else 4)
  --threshold <rate>    the pass rate, 0 to 1, every model must reach (else exit 1)
  --report <file>       write the HTML report, with the eval's section
  --quiet               no progress on stderr
  -h, --help            this help

Exit codes: 0 every threshold met; 1 a model below its threshold, or the run was interrupted;
2 a usage mistake (a flag, the config, the prompt file, or an estimate above --max-cost).
`;

const options = {
  prompts: { type: "string" },
  json: { type: "boolean" },
  results: { type: "string" },
  "max-cost": { type: "string" },
  concurrency: { type: "string" },
  threshold: { type: "string" },
  report: { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>["values"];

/** A mistake in how the command was called: told in one line, exit code 2. */
class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * Runs `understudy eval` with `args` (what follows `eval`) and returns its
 * exit code: 0 every threshold met, 1 a model below its threshold (named on
 * stderr) or the run interrupted, 2 a usage mistake. Never throws; an error
 * is told on `io.err` in one line. Closes the suite's chain when done.
 */
export async function runEvalCommand(args: readonly string[], io: EvalCommandIO): Promise<number> {
  let suite: EvalSuite | undefined;
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    if (parsed.values.help) {
      io.out(evalUsage);
      return 0;
    }
    const settings = checkFlags(parsed.values);
    const cwd = io.cwd ?? process.cwd();
    suite = await loadSuite(parsed.positionals, cwd);
    suite = defineEval({
      ...suite,
      ...(parsed.values.prompts === undefined ? {} : { prompts: await loadPrompts(resolve(cwd, parsed.values.prompts)) }),
      ...settings,
    });
    return await evaluate(suite, parsed.values, cwd, io);
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      isEvalSuiteError(error) ||
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true;
    io.err(`understudy eval: ${error instanceof Error ? error.message : String(error)}\n`);
    if (usage) io.err("Run understudy eval --help for the options.\n");
    return usage ? 2 : 1;
  } finally {
    await suite?.chain.close();
  }
}

async function evaluate(suite: EvalSuite, values: Values, cwd: string, io: EvalCommandIO): Promise<number> {
  const resultsFile = values.results === undefined ? undefined : resolve(cwd, values.results);
  const run = await runEval(suite, {
    ...(resultsFile ? { resultsFile } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    ...(values.quiet
      ? {}
      : {
          onProgress: progressTo(io),
          // The estimate of the pairs left to do (a resumed run skips the others), told before the first call.
          onEstimate: (estimate) => io.err(`understudy eval: ${formatEstimate(estimate)}\n`),
        }),
  });
  for (const warning of run.warnings) io.err(`understudy eval: ${warning}\n`);
  if (values.json) io.out(`${runJson(run)}\n`);
  else io.out(formatRun(run));
  if (values.report !== undefined) {
    const path = resolve(cwd, values.report);
    await writeFile(path, await reportPage(run, io.now ?? Date.now));
    (values.json ? io.err : io.out)(`wrote ${path}\n`);
  }
  if (run.stopped === "aborted") {
    io.err(`understudy eval: interrupted with ${run.notRun} pairs not run${resultsFile ? "; run again to resume" : ""}\n`);
    return 1;
  }
  const below = belowThreshold(run);
  if (below.length === 0) return 0;
  const names = below.map((model) => {
    const threshold = model.threshold ?? 0;
    // A model can be "below" with a pass rate over its bar when the run stopped early: say which.
    return model.passRate < threshold
      ? `${model.model} (${percent(model.passRate)} < ${percent(threshold)})`
      : `${model.model} (${percent(model.passRate)} of the pairs run, threshold ${percent(threshold)})`;
  });
  const incomplete = run.notRun > 0 ? `; the run stopped with ${run.notRun} pairs not run` : "";
  io.err(`understudy eval: below threshold: ${names.join(", ")}${incomplete}\n`);
  return 1;
}

/**
 * The run as JSON. A tool call's parsed `args` are left out (its `argsText`
 * says the same): a model's arguments may nest deeper than `JSON.stringify`
 * can recurse.
 */
export function runJson(run: EvalRun): string {
  return JSON.stringify(
    run,
    function (this: unknown, key: string, value: unknown) {
      if (key === "args" && typeof (this as { argsText?: unknown }).argsText === "string") return undefined;
      return value;
    },
    2,
  );
}

function percent(rate: number): string {
  return `${Math.round(rate * 1000) / 10}%`;
}

/** The HTML page of `understudy report`, with an empty log and this run as its eval section. */
async function reportPage(run: Parameters<typeof toEvalSection>[0], now: () => number): Promise<string> {
  const { renderReportHtml } = await import("@understudy/request-log");
  const section = toEvalSection(run);
  const data: ReportData & { readonly eval: typeof section } = {
    version: 1,
    generatedAt: now(),
    source: `eval ${run.name}`,
    filters: {},
    span: undefined,
    windows: [],
    tags: [],
    views: {},
    comparisons: [],
    eval: section,
  };
  return renderReportHtml(data);
}

function checkFlags(values: Values) {
  const number = (flag: string, value: string | undefined, valid: (n: number) => boolean, want: string) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || !valid(n)) {
      throw new UsageError(`--${flag} must be ${want}; got ${JSON.stringify(value)}`);
    }
    return n;
  };
  const maxCost = number("max-cost", values["max-cost"], (n) => n >= 0, "a number from 0 (e.g. 0.50)");
  const concurrency = number(
    "concurrency",
    values.concurrency,
    (n) => Number.isInteger(n) && n >= 1 && n <= 1000,
    "a whole number from 1 to 1000",
  );
  const threshold = number("threshold", values.threshold, (n) => n >= 0 && n <= 1, "a pass rate from 0 to 1 (e.g. 0.9)");
  return {
    ...(maxCost === undefined ? {} : { maxCost }),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(threshold === undefined ? {} : { thresholds: threshold }),
  };
}

const configExtensions = [".ts", ".mts", ".js", ".mjs"];

async function loadSuite(positionals: readonly string[], cwd: string): Promise<EvalSuite> {
  const [config, ...extra] = positionals;
  if (config === undefined) throw new UsageError("name the eval's config: a module whose default export is defineEval(...)");
  if (extra.length > 0) throw new UsageError(`one config at a time (got also ${extra.join(", ")})`);
  const path = resolve(cwd, config);
  if (!configExtensions.includes(extname(path))) {
    throw new UsageError(`the config must be a ${configExtensions.join(", ")} module; got ${config}`);
  }
  if (!existsSync(path)) throw new UsageError(`no config at ${path}`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    // A syntax error, or a throw while the module ran (defineEval's own errors included): the config is at fault.
    const why = error instanceof Error ? error.message : String(error);
    throw new UsageError(isEvalSuiteError(error) ? why : `${config} failed to load: ${why}`);
  }
  if (!isEvalSuite(module.default)) {
    await closeChains(module);
    throw new UsageError(`${config} must default-export defineEval({ ... }) from @understudy/eval`);
  }
  return module.default;
}

/** Closes the chains a config module exports (or exports as the `chain` of something), when it exports no suite. */
async function closeChains(module: Record<string, unknown>): Promise<void> {
  const exported = Object.values(module);
  const candidates = [...exported, ...exported.map((value) => (value as { chain?: unknown } | null | undefined)?.chain)];
  const chains = new Set(
    candidates.filter(
      (value): value is { close(): Promise<void> } =>
        typeof value === "object" &&
        value !== null &&
        Array.isArray((value as { modelIds?: unknown }).modelIds) &&
        typeof (value as { close?: unknown }).close === "function",
    ),
  );
  await Promise.allSettled([...chains].map((chain) => chain.close()));
}

/** Progress on stderr: a line per pair for a small run, a line per tenth for a large one. */
function progressTo(io: CommandIO): (progress: EvalProgress) => void {
  let told = -1;
  return ({ done, total, outcome }) => {
    if (total > 40) {
      const tenth = Math.floor((done * 10) / total);
      if (tenth === told) return;
      told = tenth;
    }
    const failed = outcome.checks.filter((verdict) => !verdict.pass).map((verdict) => verdict.check);
    const verdict =
      outcome.status === "error"
        ? "no answer"
        : outcome.passed
          ? "passed"
          : `failed ${failed.join(", ")}${outcome.refused ? " (refused)" : ""}`;
    io.err(`understudy eval: [${done}/${total}] ${outcome.promptId} on ${outcome.model}: ${verdict}\n`);
  };
}
