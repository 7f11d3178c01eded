// `pnpm demo`: the outage drill. Starts the fault server, builds a chain of
// three models across both providers, and sends steady streamed traffic while
// the primary goes through a rate-limit spike, a hard outage and a recovery.
// Exits 0 when every request was answered.
import { parseArgs } from "node:util";
import { liveView } from "./display.ts";
import { type DrillOptions, runDrill } from "./drill.ts";
import { runLive } from "./live.ts";
import { summarise, summaryTable } from "./summary.ts";

const { values: flags } = parseArgs({
  options: {
    "healthy-ms": { type: "string", default: "2000" },
    "spike-ms": { type: "string", default: "1500" },
    "outage-ms": { type: "string", default: "4000" },
    "recovery-ms": { type: "string", default: "2500" },
    rate: { type: "string", default: "12" },
    json: { type: "boolean", default: false },
    live: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (flags.help) {
  process.stdout.write(
    "pnpm demo [--healthy-ms N] [--spike-ms N] [--outage-ms N] [--recovery-ms N] [--rate REQ_PER_S] [--json] [--live]\n",
  );
  process.exit(0);
}

const options: DrillOptions = {
  healthyMs: positive("healthy-ms"),
  spikeMs: positive("spike-ms"),
  outageMs: positive("outage-ms"),
  recoveryMs: positive("recovery-ms"),
  rate: positive("rate"),
};

const expected = Math.ceil(
  ((options.healthyMs + options.spikeMs + options.outageMs + options.recoveryMs) / 1_000) * options.rate,
);
const view = flags.json || flags.live ? undefined : liveView(expected);
const run = flags.live ? await runLive(5) : await runDrill(options, view?.listener);
view?.finish();
const summary = summarise(run, "claude");

if (flags.json) {
  process.stdout.write(`${JSON.stringify({ options, summary, ...run }, null, 2)}\n`);
} else {
  process.stdout.write(`\n${flags.live ? "live run" : "outage drill"} summary\n${summaryTable(summary)}\n`);
}
process.exitCode = summary.unanswered === 0 ? 0 : 1;

function positive(name: keyof typeof flags): number {
  const value = Number(flags[name]);
  if (!(value > 0)) {
    process.stderr.write(`--${name} must be a positive number, got ${String(flags[name])}\n`);
    process.exit(2);
  }
  return value;
}
