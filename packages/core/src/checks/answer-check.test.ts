import { scriptedModel } from "@understudy/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AnswerCheck,
  answerChecks,
  type ChatRequest,
  type ChatResponse,
  createFallback,
  isFallbackExhaustedError,
  isRequestError,
} from "../index.ts";
import { firstFailedCheck } from "./answer-check.ts";

const ask: ChatRequest = { messages: [{ role: "user", content: "Capital of France?" }], maxTokens: 50 };
const usage = {
  inputTokens: 10,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 5,
  reasoningTokens: 0,
  estimated: false,
};
const answer = (fields: Partial<ChatResponse>): ChatResponse => ({
  text: "Paris.",
  toolCalls: [],
  finishReason: "stop",
  usage,
  ...fields,
});
const reasonOf = (check: AnswerCheck, response: ChatResponse, request: ChatRequest = ask) => check.check(response, request);

describe("answerChecks", () => {
  it("each fails only the answers it names, and says why", () => {
    expect(reasonOf(answerChecks.notEmpty(), answer({ text: "  \n" }))).toMatch(/empty/);
    expect(
      reasonOf(answerChecks.notEmpty(), answer({ text: "", toolCalls: [{ id: "1", name: "f", args: {}, argsText: "{}" }] })),
    ).toBeUndefined();
    expect(reasonOf(answerChecks.notTruncated(), answer({ finishReason: "length" }))).toMatch(/token limit/);
    expect(reasonOf(answerChecks.notFiltered(), answer({ finishReason: "content-filter" }))).toMatch(/content filter/);
    for (const check of answerChecks.all()) expect(reasonOf(check, answer({}))).toBeUndefined();
  });

  it("checks JSON only when the request asked for it, and validates with the function given", () => {
    const json: ChatRequest = { ...ask, responseFormat: { type: "json", schema: { type: "object", required: ["city"] } } };
    expect(reasonOf(answerChecks.json(), answer({ text: "Paris." }))).toBeUndefined();
    expect(reasonOf(answerChecks.json(), answer({ text: "Paris." }), json)).toMatch(/not JSON/);
    expect(reasonOf(answerChecks.json(), answer({ text: '{"town":"Paris"}' }), json)).toBeUndefined();
    const validate = (value: unknown) => (typeof value === "object" && value && "city" in value ? undefined : "no city");
    expect(reasonOf(answerChecks.json({ validate }), answer({ text: '{"town":"Paris"}' }), json)).toBe("no city");
    expect(reasonOf(answerChecks.json({ validate }), answer({ text: '{"city":"Paris"}' }), json)).toBeUndefined();
  });

  it("wants the forced tool called", () => {
    const call = { id: "1", name: "get_weather", args: {}, argsText: "{}" };
    const forced: ChatRequest = { ...ask, toolChoice: { type: "tool", name: "get_weather" } };
    expect(reasonOf(answerChecks.requiredToolCall(), answer({}), { ...ask, toolChoice: "required" })).toMatch(/none came/);
    expect(reasonOf(answerChecks.requiredToolCall(), answer({ toolCalls: [call] }), forced)).toBeUndefined();
    expect(reasonOf(answerChecks.requiredToolCall(), answer({ toolCalls: [{ ...call, name: "other" }] }), forced)).toMatch(
      /other tools/,
    );
    expect(reasonOf(answerChecks.requiredToolCall(), answer({}))).toBeUndefined();
  });

  it("a check that throws fails the answer with its message, bounded; the first failing check is named", () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.boolean(), { maxLength: 6 }), (message, passes) => {
        const checks: AnswerCheck[] = passes.map((pass, index) => ({
          name: `c${index}`,
          check: () => {
            if (!pass) throw new Error(message);
            return undefined;
          },
        }));
        const failed = firstFailedCheck(checks, answer({}), ask);
        const first = passes.indexOf(false);
        if (first < 0) expect(failed).toBeUndefined();
        else {
          expect(failed?.check).toBe(`c${first}`);
          expect(failed?.reason.length).toBeLessThanOrEqual(300);
        }
      }),
    );
  });
});

describe("a chain with answer checks", () => {
  const chain = (primary: ReturnType<typeof scriptedModel>, backup: ReturnType<typeof scriptedModel>) =>
    createFallback({
      models: [
        { model: primary, answerChecks: answerChecks.all(), price: { inputPerMillion: 1_000, outputPerMillion: 2_000 } },
        { model: backup },
      ],
    });

  it("falls over from an answer that fails a check, counts its tokens as waste, and leaves the breaker alone", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { text: "", finishReason: "stop" } });
    const backup = scriptedModel({ modelId: "backup", default: { text: "Paris." } });
    const chat = chain(primary, backup);
    const result = await chat.generate(ask);
    expect(result.model).toBe("scripted:backup");
    expect(result.text).toBe("Paris.");
    const [rejected] = result.attempts;
    expect(rejected).toMatchObject({
      outcome: "failure",
      kind: "bad_answer",
      failedCheck: { check: "not-empty", reason: "the answer is empty" },
    });
    expect(rejected?.message).toMatch(/failed the check "not-empty"/);
    expect(result.fallbacks).toEqual([{ from: "scripted:primary", to: "scripted:backup", reason: "bad_answer" }]);
    expect(result.cost.wasted).toBeGreaterThan(0);
    // A bad answer is no outage: 20 of them leave the breaker closed.
    for (let i = 0; i < 20; i++) await chat.generate(ask);
    expect(chat.health()[0]?.breaker).toBe("closed");
    expect(primary.calls.length).toBe(21);
  });

  it("checks of the call apply to every model; an answer every model fails exhausts the chain", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { text: "Lyon." } });
    const backup = scriptedModel({ modelId: "backup", default: { text: "Marseille." } });
    const chat = createFallback({ models: [{ model: primary }, { model: backup }] });
    const mustSayParis: AnswerCheck = { name: "says-paris", check: (a) => (a.text.includes("Paris") ? undefined : "no Paris") };
    const failure = await chat.generate(ask, { answerChecks: [mustSayParis] }).catch((error: unknown) => error);
    expect(isFallbackExhaustedError(failure)).toBe(true);
    expect(await chat.generate(ask).then((r) => r.text)).toBe("Lyon.");
  });

  it("a held stream shows nothing of a rejected answer, then the backup's whole answer", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { text: "cut short", finishReason: "length", chunks: 3 } });
    const backup = scriptedModel({ modelId: "backup", default: { text: "Paris is the capital.", chunks: 4 } });
    const chat = chain(primary, backup);
    const stream = chat.stream(ask, { bufferAnswers: true });
    const parts: string[] = [];
    for await (const part of stream) if (part.type === "text-delta") parts.push(part.text);
    expect(parts.join("")).toBe("Paris is the capital.");
    const result = await stream.result;
    expect(result.attempts.map((a) => [a.model, a.outcome, a.failedCheck?.check])).toEqual([
      ["scripted:primary", "failure", "not-truncated"],
      ["scripted:backup", "success", undefined],
    ]);
  });

  it("an unheld stream is not checked: its parts went to the caller as they came", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { text: "cut short", finishReason: "length" } });
    const chat = chain(primary, scriptedModel({ modelId: "backup" }));
    const stream = chat.stream(ask);
    for await (const _ of stream) {
      // read it all
    }
    expect((await stream.result).model).toBe("scripted:primary");
  });

  it("onFailure can retry a bad answer on the same model instead", async () => {
    const primary = scriptedModel({ modelId: "primary", script: [{ text: "" }], default: { text: "Paris." } });
    const chat = createFallback({
      models: [
        {
          model: primary,
          answerChecks: [answerChecks.notEmpty()],
          onFailure: { bad_answer: "retry" },
          retry: { initialDelayMs: 1 },
        },
        { model: scriptedModel({ modelId: "backup" }) },
      ],
    });
    const result = await chat.generate(ask);
    expect(result.model).toBe("scripted:primary");
    expect(result.attempts.map((a) => a.outcome)).toEqual(["failure", "success"]);
  });

  it("a bad answer never hides a bad key: the exhausted error's cause is the most actionable failure", async () => {
    const badKey = scriptedModel({ modelId: "primary", default: { error: "auth", status: 401 } });
    const empty = scriptedModel({ modelId: "backup", default: { text: "" } });
    const chat = createFallback({ models: [{ model: badKey }, { model: empty, answerChecks: answerChecks.all() }] });
    const failure = await chat.generate(ask).catch((error: unknown) => error);
    expect(isFallbackExhaustedError(failure)).toBe(true);
    expect((failure as { cause?: { kind?: string } }).cause?.kind).toBe("auth");
  });

  it("checks a continued stream's whole answer, not the continuation alone", async () => {
    const cut = scriptedModel({
      modelId: "primary",
      default: { text: '{"a": 1, "b"', chunks: 3, afterChunks: 3, error: "server" },
    });
    const continues = scriptedModel({ modelId: "backup", default: { text: ': 2, "c": 3}' } });
    const chat = createFallback({
      midStream: "continue",
      models: [
        { model: cut, retry: { maxAttempts: 1 } },
        { model: continues, acceptsPrefill: true, answerChecks: [answerChecks.json()] },
      ],
    });
    const stream = chat.stream({ ...ask, responseFormat: { type: "json" } }, { bufferAnswers: true });
    for await (const _ of stream) {
      // read it all
    }
    const result = await stream.result;
    expect(JSON.parse(result.text)).toEqual({ a: 1, b: 2, c: 3 });
    expect(result.model).toBe("scripted:backup");
  });

  it("a check that throws what has no text, or returns an object, fails the answer, never the model's health", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { text: "Paris." } });
    const backup = scriptedModel({ modelId: "backup", default: { text: "Paris." } });
    const throwsNoText: AnswerCheck = {
      name: "odd",
      check: () => {
        throw Object.create(null);
      },
    };
    const chat = createFallback({
      models: [{ model: primary, answerChecks: [throwsNoText], retry: { maxAttempts: 2, initialDelayMs: 1 } }, { model: backup }],
    });
    const result = await chat.generate(ask);
    expect(result.attempts[0]).toMatchObject({ kind: "bad_answer", failedCheck: { check: "odd" } });
    expect(result.attempts[0]?.failedCheck?.reason).toMatch(/the check threw: \[object Object\]/);
    expect(chat.health()[0]?.recentFailures).toBe(0);
    const returnsObject: AnswerCheck = { name: "obj", check: () => ({ why: "x" }) as never };
    const passesWithNull: AnswerCheck = { name: "null", check: () => null as never };
    const again = createFallback({
      models: [{ model: primary, answerChecks: [passesWithNull, returnsObject] }, { model: backup }],
    });
    expect((await again.generate(ask)).attempts[0]?.failedCheck?.check).toBe("obj");
  });

  it("refuses checks that are not checks, naming the field", async () => {
    const model = scriptedModel({ modelId: "m" });
    expect(() => createFallback({ models: [{ model, answerChecks: [{ name: "x" } as never] }] })).toThrow(
      /models\[0\]\.answerChecks\[0\]\.check/,
    );
    const chat = createFallback({ models: [{ model }] });
    await expect(chat.generate(ask, { answerChecks: "all" as never })).rejects.toThrow(/options\.answerChecks/);
    let thrown: unknown;
    try {
      chat.stream(ask, { bufferAnswers: "yes" as never });
    } catch (error) {
      thrown = error;
    }
    expect(isRequestError(thrown)).toBe(true);
    expect(String(thrown)).toMatch(/options\.bufferAnswers/);
  });
});
