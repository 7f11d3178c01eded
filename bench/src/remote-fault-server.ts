import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { FaultStep } from "@understudy/testing";
import type { FirstTokenPlan } from "./first-token-plan.ts";

/** A command to the fault server process. */
export type FaultCommand =
  | { readonly type: "script"; readonly model: string; readonly step: FaultStep }
  | { readonly type: "outage"; readonly model: string; readonly from: number; readonly to: number; readonly step?: FaultStep }
  | { readonly type: "count"; readonly model: string; readonly from: number; readonly to: number }
  | { readonly type: "firstTokens"; readonly model: string; readonly plan: FirstTokenPlan }
  | { readonly type: "calls"; readonly models: readonly string[] }
  | { readonly type: "clearLog" };

/** One request the fault server saw, as the hedging scenario reads its log. */
export interface LoggedCall {
  readonly model: string;
  /** The request index its prompt carries (see `indexedPrompt`), if any. */
  readonly index: number | undefined;
  /** When it arrived, epoch ms. */
  readonly time: number;
  /** When its answer ended or its client left, epoch ms; `undefined` while it is still open. */
  readonly endTime: number | undefined;
  /** Whether the client closed the connection before the answer was complete. */
  readonly clientHungUp: boolean;
}

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

  /**
   * Every streamed request for `model` gets its first token after the delay
   * `plan` draws for the request index in its prompt (see `firstTokenDelayMs`).
   */
  async firstTokens(model: string, plan: FirstTokenPlan): Promise<void> {
    await this.send({ type: "firstTokens", model, plan });
  }

  /** The logged requests for these models, in order of arrival. */
  async calls(models: readonly string[]): Promise<LoggedCall[]> {
    return (await this.send({ type: "calls", models })) as LoggedCall[];
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
