// `pnpm demo`: the outage drill. Starts the fault server, builds a chain of
// three models across three providers (Claude, then GPT, then Gemini), and
// sends steady streamed traffic while the primary goes through a rate-limit
// spike, a hard outage and a recovery.
// Exits 0 when every request was answered, 1 when one was not, 2 on a bad flag.
import type { Fallback } from "@understudy/core";
import { helpText, parseDrillArgs, pnpmBannerNote, usage } from "./cli.ts";
import { liveView } from "./display.ts";
import { runDrill } from "./drill.ts";
import { openDrillLog } from "./drill-log.ts";
import { runLive } from "./live.ts";
import { replicaTable, runReplicaDrills } from "./replicas.ts";
import { summarise, summaryTable } from "./summary.ts";

// A reader that stops early (`pnpm demo --json | head`) is not an error of the drill's.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit();
});

const command = parseDrillArgs(process.argv.slice(2), process.env);

if (command.kind === "help") {
  process.stdout.write(helpText());
  process.exit(0);
}
if (command.kind === "error") {
  process.stderr.write(`pnpm demo: ${command.message}\n${command.showUsage ? `${usage}\n` : ""}`);
  process.exit(2);
}

const { options, json, live, otel, replicas, redis, logDir } = command;
const bannerNote = json ? pnpmBannerNote(process.env, process.stdout.isTTY === true) : undefined;
if (bannerNote) process.stderr.write(`${bannerNote}\n`);

try {
  if (replicas > 1 && redis) {
    const runs = await runReplicaDrills(options, replicas, redis);
    if (json) process.stdout.write(`${JSON.stringify({ options, replicas, runs }, null, 2)}\n`);
    else
      process.stdout.write(
        `\noutage drill across ${replicas} replicas at ${options.rate} requests/s each\n${replicaTable(runs)}\n`,
      );
    const unanswered = runs.flatMap((run) => run.replicas.flatMap((replica) => replica.outcomes)).filter((o) => !o.model);
    process.exitCode = unanswered.length === 0 ? 0 : 1;
  } else {
    const expected = Math.ceil(
      ((options.healthyMs + options.spikeMs + options.outageMs + options.recoveryMs) / 1_000) * options.rate,
    );
    // Loaded only for --otel: the default drill starts without OpenTelemetry's modules.
    const telemetry = otel ? (await import("./telemetry.ts")).startTelemetry(process.env) : undefined;
    const log = logDir === undefined ? undefined : openLogOrWarn(logDir);
    const prepare = (chat: Fallback) => {
      telemetry?.instrument(chat);
      log?.record(chat);
    };
    const view = json || live ? undefined : liveView(expected);
    const run = live ? await runLive(5, prepare) : await runDrill(options, view?.listener, prepare);
    view?.finish();
    const summary = summarise(run, "claude");
    const otelSummary = await telemetry?.finish();
    // The drill is done: a log or report that cannot be written is a warning, not the drill's failure.
    const files = await log?.finish().catch((error: unknown) => {
      process.stderr.write(`pnpm demo: the request log or its report could not be written: ${messageOf(error)}\n`);
      return undefined;
    });
    if (json)
      process.stdout.write(
        `${JSON.stringify({ options, summary, ...(otelSummary && { otel: otelSummary }), ...(files && { log: files }), ...run }, null, 2)}\n`,
      );
    else {
      process.stdout.write(`\n${live ? "live run" : "outage drill"} summary\n${summaryTable(summary)}\n`);
      if (otelSummary) {
        const { otelTable } = await import("./telemetry.ts");
        process.stdout.write(`\nOpenTelemetry: what @understudy/otel recorded\n${otelTable(otelSummary)}\n`);
      }
      if (files) process.stdout.write(`\nrequest log  ${files.database}\nreport       ${files.report}\n`);
    }
    process.exitCode = summary.unanswered === 0 ? 0 : 1;
  }
} catch (error) {
  // A live request that no model answered, or a replica that could not start: one message, no stack.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`pnpm demo: ${live ? "the live run" : "the drill"} failed: ${message}\n`);
  process.exitCode = 1;
}

/** The drill's request log, or none (said on stderr) when `--log-dir` cannot hold one: the drill runs either way. */
function openLogOrWarn(directory: string) {
  try {
    return openDrillLog(directory);
  } catch (error) {
    process.stderr.write(`pnpm demo: no request log this run (--log-dir ${directory}): ${messageOf(error)}\n`);
    return undefined;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error);
}
