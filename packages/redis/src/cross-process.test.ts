import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { faults } from "@understudy/testing";
import { useFaultServer } from "@understudy/testing/vitest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { redisServerAvailable, startTestRedis, type TestRedis } from "./test-support/redis-server.ts";
import type { ReplicaCommand, ReplicaReport } from "./test-support/replica-process.ts";

const replicaProgram = fileURLToPath(new URL("./test-support/replica-process.ts", import.meta.url));
const halfOpenMs = 600;
let redis: TestRedis;
let round = 0;
const replicas: Replica[] = [];

/** A replica process and its reports. */
class Replica {
  readonly name: string;
  private readonly child: ChildProcess;
  private readonly waiting = new Set<(report: ReplicaReport) => boolean>();
  private readonly failures = new Set<(error: Error) => void>();
  private exitCode: number | null | undefined;

  constructor(name: string, faultUrl: string, probeGraceMs: number) {
    this.name = name;
    this.child = fork(replicaProgram, {
      execArgv: ["--conditions=@understudy/source"],
      env: {
        ...process.env,
        REDIS_URL: redis.url,
        KEY_PREFIX: `cross${round}`,
        REPLICA_NAME: name,
        FAULT_URL: faultUrl,
        HALF_OPEN_MS: String(halfOpenMs),
        PROBE_GRACE_MS: String(probeGraceMs),
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.child.on("message", (report: ReplicaReport) => {
      for (const matches of this.waiting) if (matches(report)) this.waiting.delete(matches);
    });
    this.child.once("exit", (code) => {
      this.exitCode = code;
      for (const fail of this.failures) fail(new Error(`replica ${name} exited (code ${code}) while a test waited on it`));
    });
  }

  /** Resolves at the first report that `matches` from now on. */
  next(matches: (report: ReplicaReport) => boolean): Promise<ReplicaReport> {
    return new Promise((resolve, reject) => {
      if (this.exitCode !== undefined) return reject(new Error(`replica ${this.name} has exited`));
      this.failures.add(reject);
      this.waiting.add((report) => {
        if (!matches(report)) return false;
        this.failures.delete(reject);
        resolve(report);
        return true;
      });
    });
  }

  async generate(): Promise<Extract<ReplicaReport, { type: "result" }>> {
    const result = this.next((report) => report.type === "result");
    this.send({ type: "generate" });
    return (await result) as Extract<ReplicaReport, { type: "result" }>;
  }

  send(command: ReplicaCommand): void {
    this.child.send(command);
  }

  async close(): Promise<void> {
    if (this.exitCode !== undefined) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.send({ type: "close" });
    await exited;
  }
}

const server = useFaultServer();

async function startReplicas(names: readonly string[], probeGraceMs = 0): Promise<Replica[]> {
  const started = names.map((name) => new Replica(name, server().openaiBaseURL, probeGraceMs));
  await Promise.all(started.map((replica) => replica.next((report) => report.type === "ready")));
  replicas.push(...started);
  return started;
}

const storeSaw = (breaker: string) => (report: ReplicaReport) => report.type === "store" && report.breaker === breaker;

describe.runIf(redisServerAvailable())("replicas in separate processes share model health through Redis", () => {
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis.kill();
  });
  afterEach(async () => {
    await Promise.all(replicas.splice(0).map((replica) => replica.close()));
    round++;
  });

  it("once the open breaker has propagated, the other replica never calls the dead primary", async () => {
    server().script("primary", () => faults.overloaded());
    const [a, b] = (await startReplicas(["a", "b"])) as [Replica, Replica];
    const propagated = b.next(storeSaw("open"));
    await a.generate();
    await a.generate();
    expect(server().requestsFor("primary")).toHaveLength(2);

    await propagated;
    const result = await b.generate();
    expect(result.model).toBe("backup");
    expect(result.outcomes).toEqual(["primary:open", "backup:success"]);
    expect(server().requestsFor("primary")).toHaveLength(2);
  }, 20_000);

  it("one replica probes the recovering primary while the others skip it, and its success closes the breaker everywhere", async () => {
    let primaryHealthy = false;
    server().script("primary", () => (primaryHealthy ? { delayMs: 300 } : faults.overloaded()));
    const [a, b, c] = (await startReplicas(["a", "b", "c"], 5_000)) as [Replica, Replica, Replica];
    const propagated = Promise.all([b.next(storeSaw("open")), c.next(storeSaw("open"))]);
    await a.generate();
    await a.generate();
    await propagated;

    primaryHealthy = true;
    await new Promise((resolve) => setTimeout(resolve, halfOpenMs + 50)); // the breaker's own interval: the one real wait
    const closedElsewhere = [a, c].map((replica) => replica.next(storeSaw("closed")));
    // a opened the breaker, so it leaves the probe to the others (grace 5 s); b and c race for the lease.
    const results = await Promise.all([b.generate(), c.generate()]);
    const probers = results.filter((result) => result.model === "primary");
    expect(probers).toHaveLength(1);
    expect(results.map((result) => result.model).sort()).toEqual(["backup", "primary"]);
    expect(server().requestsFor("primary")).toHaveLength(3);

    await Promise.any(closedElsewhere);
    const after = await a.generate();
    expect(after.model).toBe("primary");
  }, 20_000);
});
