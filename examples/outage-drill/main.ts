// `pnpm demo`: the outage drill. Starts the fault server, builds a chain of
// three models across both providers, and sends steady streamed traffic while
// the primary goes through a rate-limit spike, a hard outage and a recovery.
// Exits 0 when every request was answered.
import { parseArgs } from "node:util";
import { liveView } from "./display.ts";
import { type DrillOptions, runDrill } from "./drill.ts";
import { runLive } from "./live.ts";
import { replicaTable, runReplicaDrills } from "./replicas.ts";
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
    replicas: { type: "string", default: "1" },
    redis: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

if (flags.help) {
  process.stdout.write(
    "pnpm demo [--healthy-ms N] [--spike-ms N] [--outage-ms N] [--recovery-ms N] [--rate REQ_PER_S] [--json] [--live]\n" +
      "          [--replicas N --redis redis://127.0.0.1:6379]   the drill across N processes, health alone and shared\n",
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

const replicaCount = positive("replicas");
if (replicaCount > 1) {
  if (!flags.redis) {
    process.stderr.write("--replicas needs --redis URL (e.g. --redis redis://127.0.0.1:6379) to compare with shared health\n");
    process.exit(2);
  }
  const runs = await runReplicaDrills(options, replicaCount, flags.redis);
  if (flags.json) process.stdout.write(`${JSON.stringify({ options, replicas: replicaCount, runs }, null, 2)}\n`);
  else
    process.stdout.write(
      `\noutage drill across ${replicaCount} replicas at ${options.rate} requests/s each\n${replicaTable(runs)}\n`,
    );
  const unanswered = runs.flatMap((run) => run.replicas.flatMap((replica) => replica.outcomes)).filter((o) => !o.model);
  process.exit(unanswered.length === 0 ? 0 : 1);
}

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
