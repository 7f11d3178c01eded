import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { FaultServer } from "@understudy/testing";
import { type DrillOptions, type DrillRun, drillModels, serverLogOf, stageOutages } from "./drill.ts";
import type { ReplicaReport, ReplicaTask } from "./replica.ts";

const replicaProgram = fileURLToPath(new URL("./replica.ts", import.meta.url));

/** One run of the drill across replica processes. */
export interface ReplicaRun {
  /** Whether the replicas shared health through Redis. */
  readonly shared: boolean;
  /** Each replica's requests and the calls the fault server saw from all of them. */
  readonly replicas: readonly ReplicaReport[];
  readonly phases: DrillRun["phases"];
  readonly serverLog: DrillRun["serverLog"];
}

/**
 * Runs the drill twice across `count` processes, each sending `rate` requests a
 * second: once with health in each process's memory, once shared through
 * Redis. The fault server's log says how often the dead primary was called.
 */
export async function runReplicaDrills(options: DrillOptions, count: number, redisUrl: string): Promise<ReplicaRun[]> {
  const local = await runAcross(options, count, undefined);
  const shared = await runAcross(options, count, { url: redisUrl, keyPrefix: `understudy-drill-${process.pid}-${Date.now()}` });
  return [local, shared];
}

async function runAcross(options: DrillOptions, count: number, redis: ReplicaTask["redis"]): Promise<ReplicaRun> {
  const server = await FaultServer.start();
  try {
    // The replicas start a little later than a single drill: forking takes a moment.
    const phases = stageOutages(server, { ...options, healthyMs: options.healthyMs + 1_000 });
    const endpoints = { anthropicBaseURL: server.anthropicBaseURL, openaiBaseURL: server.openaiBaseURL };
    const task: ReplicaTask = { endpoints, phases, rate: options.rate, ...(redis && { redis }) };
    const replicas = await Promise.all(Array.from({ length: count }, () => runReplica(task)));
    return { shared: redis !== undefined, replicas, phases, serverLog: serverLogOf(server) };
  } finally {
    await server.close();
  }
}

function runReplica(task: ReplicaTask): Promise<ReplicaReport> {
  const child = fork(replicaProgram, {
    execArgv: ["--conditions=@understudy/source"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    let report: ReplicaReport | undefined;
    child.once("message", (message: ReplicaReport) => {
      report = message;
    });
    child.once("exit", (code) => (report ? resolve(report) : reject(new Error(`a replica exited with code ${code}`))));
    child.send(task);
  });
}

/** Calls the fault server saw for the primary during its outage, in one run. */
export function primaryCallsInOutage(run: Pick<ReplicaRun, "phases" | "serverLog">): number {
  const outage = run.phases.find((phase) => phase.name === "primary outage");
  if (!outage) return 0;
  return run.serverLog.filter((e) => e.model === drillModels.primary && e.time >= outage.from && e.time < outage.to).length;
}

/** The comparison as a table for the terminal. */
export function replicaTable(runs: readonly ReplicaRun[]): string {
  const rows = runs.map((run) => {
    const outcomes = run.replicas.flatMap((replica) => replica.outcomes);
    const inOutage = outcomes.filter((outcome) => outcome.phase === "primary outage").length;
    const answered = outcomes.filter((outcome) => outcome.model !== undefined).length;
    const label = run.shared ? "shared through Redis" : "each replica alone";
    return `  ${label.padEnd(22)}  ${String(primaryCallsInOutage(run)).padStart(4)} primary calls for ${inOutage} requests in the outage; ${answered}/${outcomes.length} answered`;
  });
  const warnings = runs.flatMap((run) => run.replicas.flatMap((replica) => replica.warnings));
  return [...rows, ...warnings.map((warning) => `  warning: ${warning}`)].join("\n");
}
