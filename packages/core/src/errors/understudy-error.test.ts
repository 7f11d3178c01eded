import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  createFallback,
  FallbackExhaustedError,
  isUnderstudyError,
  ModelError,
  RequestError,
  StreamInterruptedError,
  UnderstudyError,
} from "../index.ts";

describe("one root for every understudy error", () => {
  it("every error the library throws is an UnderstudyError, recognised without instanceof", async () => {
    const failing = scriptedModel({ modelId: "m", default: { error: "overloaded" } });
    const chat = createFallback({ models: [{ model: failing, retry: { maxAttempts: 1 } }] });
    const thrown = [
      await chat.generate({ messages: [] }).catch((e: unknown) => e),
      await chat.generate({ messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e),
      (() => {
        try {
          createFallback({ models: [] });
        } catch (error) {
          return error;
        }
      })(),
    ];
    expect(thrown.map((e) => (e as Error).name)).toEqual(["RequestError", "FallbackExhaustedError", "ConfigError"]);
    for (const error of thrown) {
      expect(isUnderstudyError(error)).toBe(true);
      expect(error).toBeInstanceOf(UnderstudyError);
    }
    const modelError = new ModelError({ kind: "server", message: "x" });
    const interrupted = new StreamInterruptedError(modelError, {
      model: "m",
      requestId: "r",
      attempts: [],
      afterToolCall: false,
    });
    for (const error of [modelError, interrupted, new RequestError("p", "x", "y"), new ConfigError("p", "x", "y")]) {
      expect(isUnderstudyError(error)).toBe(true);
    }
    expect(FallbackExhaustedError.prototype).toBeInstanceOf(UnderstudyError);
  });

  it("tells understudy's errors from anything else, also across copies of the package", () => {
    expect(isUnderstudyError(new Error("boom"))).toBe(false);
    expect(isUnderstudyError({ name: "ModelError", kind: "server" })).toBe(false);
    expect(isUnderstudyError(null)).toBe(false);
    // A copy of the package marks its errors with the same global symbol.
    const fromAnotherCopy = Object.defineProperty(new Error("x"), Symbol.for("@understudy/core/UnderstudyError"), {
      value: true,
    });
    expect(isUnderstudyError(fromAnotherCopy)).toBe(true);
  });
});
