import { describe, expect, it } from "vitest";
import { StreamProgress } from "./stream-progress.ts";

const cut = { model: "a", reason: "server" as const };

describe("StreamProgress", () => {
  it("with nothing cut, an attempt begins as it is", () => {
    const progress = new StreamProgress();
    progress.deliver({ type: "text-delta", text: "Once " });
    expect(progress.resume(true)).toBeUndefined();
    expect(progress.hasShownContent).toBe(true);
  });

  it("continues the text shown as a prefill, which becomes the answer's start", () => {
    const progress = new StreamProgress();
    progress.deliver({ type: "text-delta", text: "Once " });
    progress.deliver({ type: "text-delta", text: "upon " });
    progress.cut(cut);
    expect(progress.resume(true)).toEqual({ prefill: "Once upon " });
    expect(progress.prefix).toBe("Once upon ");
    expect(progress.resume(true)).toBeUndefined();
  });

  it("starts over with a reset where it may not continue, and forgets what was shown", () => {
    const progress = new StreamProgress();
    progress.deliver({ type: "text-delta", text: "Once " });
    progress.cut(cut);
    expect(progress.resume(false)).toEqual({ reset: { type: "reset", model: "a", reason: "server" } });
    expect(progress.hasShownContent).toBe(false);
    expect(progress.prefix).toBe("");
  });

  it("never continues a begun tool call by prefill, and remembers a complete one", () => {
    const progress = new StreamProgress();
    progress.deliver({ type: "text-delta", text: "Let me check. " });
    progress.deliver({ type: "tool-call-delta", id: "c1", name: "t", argsTextDelta: "{" });
    progress.cut(cut);
    expect(progress.resume(true)).toMatchObject({ reset: { type: "reset" } });
    progress.deliver({ type: "tool-call", toolCall: { id: "c1", name: "t", args: {}, argsText: "{}" } });
    expect(progress.hasShownToolCall).toBe(true);
  });
});
