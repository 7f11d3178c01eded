import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { FaultStep } from "@understudy/testing";

/** A command to the fault server process. */
export type FaultCommand =
  | { readonly type: "script"; readonly model: string; readonly step: FaultStep }
  | { readonly type: "outage"; readonly model: string; readonly from: number; readonly to: number; readonly step?: FaultStep }
  | { readonly type: "count"; readonly model: string; readonly from: number; readonly to: number }
  | { readonly type: "clearLog" };

/** The `@understudy/testing` fault server, run in a child process and driven over IPC. */
export class RemoteFaultServer {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  private readonly child: ChildProcess;
  /** Base URL for the openai SDK. */
  readonly openaiBaseURL: string;

  private constructor(child: ChildProcess, openaiBaseURL: string) {
    this.child = child;
    this.openaiBaseURL = openaiBaseURL;
    child.on("message", (message: { id: number; result: unknown }) => {
      this.pending.get(message.id)?.(message.result);
      this.pending.delete(message.id);
    });
  }

  static async start(): Promise<RemoteFaultServer> {
    const child = fork(fileURLToPath(new URL("fault-server-process.ts", import.meta.url)), {
      execArgv: ["--conditions=@understudy/source"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const [first] = (await once(child, "message")) as [{ result: string }];
    return new RemoteFaultServer(child, first.result);
  }

  private send(command: FaultCommand): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ id, command });
    });
  }

  /** Every request for `model` answers with `step`. */
  async script(model: string, step: FaultStep): Promise<void> {
    await this.send({ type: "script", model, step });
  }

  /** `model` is down (503 by default) between two instants of the shared clock. */
  async outage(model: string, from: number, to: number, step?: FaultStep): Promise<void> {
    await this.send({ type: "outage", model, from, to, ...(step ? { step } : {}) });
  }

  /** How many requests for `model` arrived in [from, to). */
  async count(model: string, from: number, to: number): Promise<number> {
    return (await this.send({ type: "count", model, from, to })) as number;
  }

  /** Drops the request log, which otherwise grows with every request. */
  async clearLog(): Promise<void> {
    await this.send({ type: "clearLog" });
  }

  async stop(): Promise<void> {
    const exited = once(this.child, "exit");
    this.child.disconnect();
    await exited;
  }
}
