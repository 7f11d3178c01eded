import { describe, expect, it } from "vitest";
import { isRefusal } from "./refusal.ts";

describe("isRefusal", () => {
  it("counts a content-filter finish, and refusal wording where a sentence begins, in any case and apostrophe", () => {
    expect(isRefusal("", "content-filter")).toBe(true);
    expect(isRefusal("I'm sorry, but I can't help with questions about purchases.", "stop")).toBe(true);
    expect(isRefusal("i CANNOT ASSIST with that.", "stop")).toBe(true);
    expect(isRefusal("Thanks for asking. I can\u2019t help with that one.", "stop")).toBe(true);
  });

  it("does not count an answer that only mentions such words mid-sentence", () => {
    expect(isRefusal("Paris is the capital of France.", "stop")).toBe(false);
    expect(isRefusal("Here is why the firmware says I cannot assist you offline, and how to fix it.", "stop")).toBe(false);
  });
});
