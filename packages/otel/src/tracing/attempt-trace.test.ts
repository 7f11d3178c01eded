import { ROOT_CONTEXT } from "@opentelemetry/api";
import type { AttemptStartEvent } from "@understudy/core";
import { describe, expect, it } from "vitest";
import { collectUntil } from "../test-support/gc.ts";
import { AttemptTrace } from "./attempt-trace.ts";
import type { ServerListener } from "./server-address.ts";

const start: AttemptStartEvent = {
  requestId: "r1",
  model: "openai:gpt-4.1",
  provider: "openai",
  modelId: "gpt-4.1",
  attempt: 1,
  probe: false,
  startedAt: 0,
};

describe("AttemptTrace: where the call went", () => {
  it("keeps the first server it is told of, and nothing once finished", () => {
    const attempt = new AttemptTrace(start, undefined, ROOT_CONTEXT);
    attempt.serverListener({ address: "api.openai.com", port: 443 });
    attempt.serverListener({ address: "telemetry.example.com", port: 443 });
    expect(attempt.server).toEqual({ address: "api.openai.com", port: 443 });
    const late = new AttemptTrace(start, undefined, ROOT_CONTEXT);
    late.finish();
    late.serverListener({ address: "telemetry.example.com", port: 443 });
    expect(late.server).toBeUndefined();
  });

  it("once finished, the listener that a timer's async context may keep holds nothing of the attempt", async () => {
    let listener: ServerListener | undefined;
    let attempt: WeakRef<AttemptTrace> | undefined;
    (() => {
      const trace = new AttemptTrace(start, undefined, ROOT_CONTEXT);
      listener = trace.serverListener;
      trace.finish();
      attempt = new WeakRef(trace);
    })();
    expect(await collectUntil(() => attempt?.deref() === undefined)).toBe(true);
    expect(() => listener?.({ address: "late.example.com", port: 443 })).not.toThrow();
  });
});
