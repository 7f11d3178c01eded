import { scriptedModel } from "@understudy/testing";
import { expect, it } from "vitest";
import { createFallback } from "./index.ts";

it("answers from the backup when the primary is overloaded", async () => {
  const primary = scriptedModel({ modelId: "a", then: { error: "overloaded" } });
  const backup = scriptedModel({ modelId: "b" });
  const chat = createFallback({ models: [{ model: primary, retry: { maxAttempts: 1 } }, { model: backup }] });
  const res = await chat.generate({ messages: [{ role: "user", content: "hi" }] });
  expect(res.model).toBe("scripted:b");
  expect(res.text).toBe("ok from b");
});
