import { scriptedModel } from "@understudy/testing";
import { describe, expect, it, vi } from "vitest";
import { createFallback } from "../index.ts";
import { AbortScope } from "./abort-scope.ts";

describe("AbortScope", () => {
  it("fires a child with the parent's cause and reason, and a disposed child not at all", () => {
    const parent = AbortScope.root(undefined);
    const child = parent.child();
    const disposed = parent.child();
    disposed.dispose();
    const reason = new Error("deadline passed");
    parent.abort("deadline", reason);
    expect(child.cause).toBe("deadline");
    expect(child.signal.aborted).toBe(true);
    expect(child.signal.reason).toBe(reason);
    expect(disposed.cause).toBeUndefined();
    expect(disposed.signal.aborted).toBe(false);
  });

  it("hands out an aborted signal when asked only after firing, and fires a child made after firing at once", () => {
    const scope = AbortScope.root(undefined);
    scope.abort("caller", "gone");
    expect(scope.signal.aborted).toBe(true);
    expect(scope.signal.reason).toBe("gone");
    const late = scope.child();
    expect(late.cause).toBe("caller");
    expect(late.signal.reason).toBe("gone");
  });

  it("follows the caller's signal until disposed", () => {
    const caller = new AbortController();
    const followed = AbortScope.root(caller.signal);
    const released = AbortScope.root(caller.signal);
    const grandchild = followed.child();
    released.dispose();
    caller.abort("stop");
    expect(followed.cause).toBe("caller");
    expect(grandchild.cause).toBe("caller");
    expect(grandchild.signal.reason).toBe("stop");
    expect(released.cause).toBeUndefined();
  });

  it("rejects a race when it fires, though the work never settles, and absorbs the work's late rejection", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      const scope = AbortScope.root(undefined);
      let failLate: (error: Error) => void = () => {};
      const work = new Promise<string>((_, reject) => {
        failLate = reject;
      });
      const racing = scope.race(work);
      scope.abort("attempt-timeout");
      await expect(racing).rejects.toThrow("aborted: attempt-timeout");
      failLate(new Error("late"));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
      await expect(scope.race(Promise.resolve("after"))).rejects.toThrow("aborted: attempt-timeout");
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });

  it("settles a race with the work when the scope does not fire", async () => {
    const scope = AbortScope.root(undefined);
    await expect(scope.race(Promise.resolve(42))).resolves.toBe(42);
    await expect(scope.race(Promise.reject(new Error("failed")))).rejects.toThrow("failed");
  });
});

describe("the attempt's signal after the call", () => {
  const request = { messages: [{ role: "user" as const, content: "hi" }] };

  it("is left alone after an answer (nothing runs to cancel) and aborted after a failure", async () => {
    const failing = scriptedModel({ modelId: "failing", default: { error: "overloaded", status: 503 } });
    const answering = scriptedModel({ modelId: "answering" });
    const chat = createFallback({ models: [{ model: failing, retry: { maxAttempts: 1 } }, { model: answering }] });
    await chat.generate(request);
    expect(failing.calls[0]?.signal.aborted).toBe(true);
    expect(answering.calls[0]?.signal.aborted).toBe(false);
  });
});
