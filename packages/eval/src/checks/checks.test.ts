import { createFallback } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import type { EvalPrompt } from "../suite/eval-prompt.ts";
import type { CheckContext, EvalAnswer } from "./check.ts";
import { checks } from "./checks.ts";

const schema = {
  type: "object",
  properties: { city: { type: "string" }, population: { type: "integer" } },
  required: ["city"],
  additionalProperties: false,
};
const prompt: EvalPrompt = {
  id: "p1",
  request: {
    messages: [{ role: "user", content: "Which city?" }],
    responseFormat: { type: "json", schema },
    tools: [
      { name: "get_weather", inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
    ],
  },
};
const context = (over: Partial<CheckContext> = {}): CheckContext => ({
  prompt,
  model: "backup",
  position: 1,
  primary: undefined,
  suite: "test",
  signal: new AbortController().signal,
  ...over,
});
const text = (value: string): EvalAnswer => ({ text: value, toolCalls: [], finishReason: "stop", refused: false });
const calling = (name: string, args: unknown): EvalAnswer => ({
  text: "",
  toolCalls: [{ name, args, argsText: JSON.stringify(args) ?? "" }],
  finishReason: "tool-calls",
  refused: false,
});

describe("checks.jsonSchema", () => {
  it("passes JSON that follows the prompt's response schema, and says what is wrong otherwise", () => {
    const check = checks.jsonSchema();
    expect(check.run(text('{"city": "Paris", "population": 2100000}'), context())).toMatchObject({ pass: true });
    expect(check.run(text('{"city": 7}'), context())).toEqual({ pass: false, reason: "answer/city must be string" });
    expect(check.run(text('{"city": "Paris", "mayor": "x"}'), context())).toMatchObject({
      pass: false,
      reason: "answer must NOT have additional properties",
    });
  });

  it("fails an answer that is not JSON as it is, a fenced one included", () => {
    const outcome = checks.jsonSchema().run(text('```json\n{"city": "Paris"}\n```'), context());
    expect(outcome).toMatchObject({ pass: false, reason: expect.stringContaining("not JSON") });
  });

  it("uses its own schema over the prompt's", () => {
    expect(checks.jsonSchema({ type: "array" }).run(text("[1]"), context())).toMatchObject({ pass: true });
  });

  it("keeps schemas with the same $id apart: each validates by its own rules", () => {
    const numbers = checks.jsonSchema({ $id: "order", type: "object", properties: { n: { type: "number" } } });
    const strings = checks.jsonSchema({ $id: "order", type: "object", properties: { n: { type: "string" } } });
    expect(numbers.run(text('{"n": 1}'), context())).toMatchObject({ pass: true });
    expect(strings.run(text('{"n": "one"}'), context())).toMatchObject({ pass: true });
    expect(strings.run(text('{"n": 1}'), context())).toMatchObject({ pass: false, reason: "answer/n must be string" });
  });

  it("validates a draft 2020-12 schema (zod 4 emits one) by that draft", () => {
    const pair = checks.jsonSchema({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "array",
      prefixItems: [{ type: "string" }, { type: "number" }],
      items: false,
    });
    expect(pair.run(text('["a", 1]'), context())).toMatchObject({ pass: true });
    expect(pair.run(text('["a", 1, 2]'), context())).toMatchObject({ pass: false });
    expect(pair.run(text("[1, 1]"), context())).toMatchObject({ pass: false, reason: "answer/0 must be string" });
  });

  it("refuses a schema that is not one when it is made, not on every answer", () => {
    expect(() => checks.jsonSchema({ type: "strng" })).toThrow(/checks\.jsonSchema: the schema is not a valid JSON Schema/);
    expect(() => checks.toolCall("f", { required: "city" })).toThrow(/checks\.toolCall: the schema is not a valid JSON Schema/);
  });
});

describe("checks.toolCall", () => {
  it("passes a call of the tool whose arguments follow the tool's schema", () => {
    expect(checks.toolCall("get_weather").run(calling("get_weather", { city: "Lyon" }), context())).toMatchObject({ pass: true });
  });

  it("fails a missing call, another tool, and arguments off the schema", () => {
    const check = checks.toolCall("get_weather");
    expect(check.run(text("Take an umbrella."), context())).toEqual({ pass: false, reason: "no call of get_weather" });
    expect(check.run(calling("search", {}), context())).toMatchObject({ reason: "called search, not get_weather" });
    expect(check.run(calling("get_weather", { town: "Lyon" }), context())).toMatchObject({
      pass: false,
      reason: expect.stringContaining("must have required property 'city'"),
    });
    const broken: EvalAnswer = {
      ...calling("get_weather", undefined),
      toolCalls: [{ name: "get_weather", args: undefined, argsText: "{city" }],
    };
    expect(check.run(broken, context())).toMatchObject({ pass: false, reason: expect.stringContaining("not JSON") });
  });
});

describe("text checks", () => {
  it("contains and notContains ignore case unless told", () => {
    expect(checks.contains("paris").run(text("PARIS"), context())).toMatchObject({ pass: true });
    expect(checks.contains("paris", { caseSensitive: true }).run(text("PARIS"), context())).toMatchObject({ pass: false });
    expect(checks.notContains("as an AI").run(text("As an ai, I…"), context())).toMatchObject({ pass: false });
  });

  it("a global regex gives the same verdict every time", () => {
    const check = checks.regex(/paris/gi);
    expect(check.run(text("Paris"), context())).toMatchObject({ pass: true });
    expect(check.run(text("Paris"), context())).toMatchObject({ pass: true });
  });

  it("custom checks may return a boolean or a verdict, and be async", async () => {
    expect(await checks.custom("short", (answer) => answer.text.length < 5).run(text("hi"), context())).toEqual({
      pass: true,
      reason: "passed",
    });
    expect(await checks.custom("never", async () => ({ pass: false, reason: "no" })).run(text("hi"), context())).toEqual({
      pass: false,
      reason: "no",
    });
  });
});

describe("checks.agreesWithPrimary", () => {
  it("does not apply to the primary, nor without a primary answer", () => {
    const check = checks.agreesWithPrimary();
    expect(check.needsPrimary).toBe(true);
    expect(check.run(text("x"), context({ position: 0 }))).toBeUndefined();
    expect(check.run(text("x"), context({ primary: undefined }))).toBeUndefined();
  });

  it("passes a backup whose answer is close enough to the primary's", () => {
    const check = checks.agreesWithPrimary({ min: 0.5 });
    const primary = text("The capital of France is Paris.");
    expect(check.run(text("Paris is the capital of France."), context({ primary }))).toMatchObject({ pass: true });
    expect(check.run(text("I do not know."), context({ primary }))).toMatchObject({ pass: false, reason: "token F1 0 < 0.5" });
  });
});

describe("checks.judge", () => {
  const judged = (script: string) => scriptedModel({ modelId: "judge", default: { text: script } });

  it("passes when the judge's score reaches min, and says its reason", async () => {
    const judge = judged('{"score": 0.8, "reason": "correct"}');
    const check = checks.judge({ judge, rubric: "Names the capital.", min: 0.7 });
    expect(await check.run(text("Paris"), context())).toMatchObject({ pass: true, reason: "judge 0.8 ≥ 0.7: correct" });
    const asked = judge.calls[0]?.request;
    expect(asked?.responseFormat).toMatchObject({ type: "json" });
    expect(JSON.stringify(asked?.messages)).toContain("Names the capital.");
    expect(JSON.stringify(asked?.messages)).toContain("Which city?");
  });

  it("fails with 'judge answer unreadable' for an answer that is not its JSON, without throwing", async () => {
    for (const answer of ["Looks fine to me!", '{"score": "high"}', '{"score": 3, "reason": "x"}']) {
      const check = checks.judge({ judge: judged(answer), rubric: "r" });
      expect(await check.run(text("Paris"), context())).toMatchObject({ pass: false, reason: "judge answer unreadable" });
    }
  });

  it("takes a chain as its judge, and tags its calls", async () => {
    const model = judged('```json\n{"score": 0.2, "reason": "vague"}\n```');
    const chain = createFallback({ models: [{ model }] });
    const tags: Record<string, string>[] = [];
    chain.on("requestStart", (event) => tags.push({ ...event.tags }));
    const outcome = await checks.judge({ judge: chain, rubric: "r" }).run(text("Paris"), context());
    expect(outcome).toMatchObject({ pass: false, reason: "judge 0.2 < 0.7: vague" });
    expect(tags).toEqual([{ eval: "test", role: "judge" }]);
  });
});
