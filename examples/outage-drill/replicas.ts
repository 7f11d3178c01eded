import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { FaultServer } from "@understudy/testing";
import { type DrillEndpoints, type DrillOptions, type DrillRun, drillModels, serverLogOf, stageOutages } from "./drill.ts";
import type { ReplicaMessage, ReplicaReport, ReplicaSetup, ReplicaTask } from "./replica.ts";

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

async function runAcross(options: DrillOptions, count: number, redis: ReplicaSetup["redis"]): Promise<ReplicaRun> {
  const server = await FaultServer.start();
  const endpoints: DrillEndpoints = {
    anthropicBaseURL: server.anthropicBaseURL,
    openaiBaseURL: server.openaiBaseURL,
    geminiBaseURL: server.geminiBaseURL,
  };
  const replicas = Array.from({ length: count }, () => startReplica({ endpoints, ...(redis && { redis }) }));
  try {
    // The phases start once every replica is ready: one that started late would
    // send its first requests in a burst, all to the primary at once.
    await Promise.all(replicas.map((replica) => replica.ready));
    const phases = stageOutages(server, options);
    for (const replica of replicas) replica.start({ phases, rate: options.rate });
    const reports = await Promise.all(replicas.map((replica) => replica.report));
    return { shared: redis !== undefined, replicas: reports, phases, serverLog: serverLogOf(server) };
  } finally {
    for (const replica of replicas) replica.stop();
    await server.close();
  }
}

/** A replica process being set up: ready once its modules are loaded and its health store connected. */
function startReplica(setup: ReplicaSetup): {
  ready: Promise<void>;
  report: Promise<ReplicaReport>;
  start: (task: ReplicaTask) => void;
  stop: () => void;
} {
  const child = fork(replicaProgram, {
    execArgv: ["--conditions=@understudy/source"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let report: ReplicaReport | undefined;
  let markReady: () => void = () => {};
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    void exited.then((code) => reject(new Error(`a replica exited with code ${code} before it was ready`)));
  });
  child.on("message", (message: ReplicaMessage) => {
    if (message.type === "ready") markReady();
    else report = { outcomes: message.outcomes, warnings: message.warnings };
  });
  const done = exited.then((code) => report ?? Promise.reject(new Error(`a replica exited with code ${code}`)));
  // Awaited only once every replica is ready: until then, a failure is reported through `ready`.
  done.catch(() => {});
  ready.catch(() => {});
  child.send(setup);
  return {
    ready,
    report: done,
    start: (task) => child.send(task),
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
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
